// The minikube profile (and its kube context) of a Slipway cluster. Profiles are host-global: every
// owner's clusters share one minikube home, and a cluster's `name` is unique only per owner, so two
// owners' "dev" clusters must not both be `minikube -p dev` (one deleting its own would delete the
// other's). The profile is derived from the cluster's id alone, never from the user's name.
export const MINIKUBE_PROFILE_PREFIX = 'slipway-';

/** `slipway-<first 12 hex of the cluster id>` (ids are v4 UUIDs; 48 random bits). */
export function minikubeProfile(clusterId: string): string {
  const hex = clusterId.toLowerCase().replace(/[^0-9a-z]/g, '');
  if (!hex) throw new Error(`cannot derive a minikube profile from cluster id ${JSON.stringify(clusterId)}`);
  return `${MINIKUBE_PROFILE_PREFIX}${hex.slice(0, 12)}`;
}
