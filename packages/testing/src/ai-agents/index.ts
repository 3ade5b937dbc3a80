import { join } from 'node:path';

export {
  type A2AFixture,
  type A2AFixtureOptions,
  type A2AMode,
  type A2ARequest,
  startA2AFixture,
} from './a2a-server.ts';
export { type ClusterAccess, HALLUCINATION, investigate, subjectOf } from './investigate.ts';

/** The executable kubectl-ai double (set SLIPWAY_FIXTURE_NODE to a Node >= 22.18 when `node` on PATH is older). */
export const KUBECTL_AI_DOUBLE = join(import.meta.dirname, 'kubectl-ai');
