// The console's API client: @slipway/client (typed by docs/openapi.json, one refresh on 401, an
// Idempotency-Key on writes, 429/503 retries, SSE over fetch). Everything imports it from here.
import type { Schemas } from '@slipway/client';

export type { components, paths } from '@slipway/client';
export {
  createSlipwayClient,
  type OperationStreamEvent,
  type ResourceStreamEvent,
  type SlipwayClient,
  SlipwayError as ApiError,
  type Tokens,
} from '@slipway/client';

/** The API's error body (every 4xx and 5xx). */
export type ErrorBody = Schemas['Error'];
