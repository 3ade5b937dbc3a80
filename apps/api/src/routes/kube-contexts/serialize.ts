import type { KubeContext } from '@slipway/db';

export const serializeKubeContext = (r: KubeContext) => ({
  id: r.id,
  context: r.context,
  owner_id: r.ownerId,
  created_by: r.createdBy,
  created_at: r.createdAt.toISOString(),
});
