import type { NamespaceAssignment } from '@slipway/db';

export const serializeNamespaceAssignment = (r: NamespaceAssignment) => ({
  id: r.id,
  namespace: r.namespace,
  owner_id: r.ownerId,
  created_by: r.createdBy,
  created_at: r.createdAt.toISOString(),
});
