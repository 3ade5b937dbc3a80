import type { Cluster, ContainerImage, Deployment, HelmChart, Service } from '@slipway/db';
import {
  type ChartSpec,
  type ClusterSpec,
  type ClusterTarget,
  type DeploymentSpec,
  type ImageSpec,
  imageReference,
  minikubeProfile,
  type ServiceSpec,
} from '@slipway/drivers';

// Row -> driver spec. Drivers never see database rows.
export const clusterSpec = (c: Cluster): ClusterSpec => ({
  id: c.id,
  name: c.name,
  kind: c.kind,
  cpus: c.cpus,
  memory: c.memory,
  diskSize: c.diskSize,
  kubernetesVersion: c.kubernetesVersion,
  kubeContext: c.kubeContext,
});

export const clusterTarget = (c: Cluster): ClusterTarget => ({
  clusterId: c.id,
  name: c.name,
  // A minikube cluster's context is its profile, derived from the id (never the user's name).
  context: c.kind === 'kubeconfig' ? (c.kubeContext ?? c.name) : minikubeProfile(c.id),
});

export const imageSpec = (i: ContainerImage): ImageSpec => ({
  id: i.id,
  name: i.name,
  tag: i.tag,
  repository: i.repository,
  source: i.source,
  dockerfile: i.dockerfile,
  buildArgs: i.buildArgs,
  push: i.push,
});

/** `repository/name:tag` of an image record, optionally under another tag (the drivers' composition). */
export const imageRefOf = (i: Pick<ContainerImage, 'repository' | 'name' | 'tag'>, tag = i.tag) =>
  imageReference({ repository: i.repository, name: i.name, tag });

export const deploymentSpec = (d: Deployment): DeploymentSpec => ({
  id: d.id,
  name: d.name,
  namespace: d.namespace,
  replicas: d.replicas,
  image: d.image,
  containerPort: d.containerPort,
});

export const serviceSpec = (s: Service, d: Pick<Deployment, 'id' | 'name'>): ServiceSpec => ({
  id: s.id,
  name: s.name,
  namespace: s.namespace,
  type: s.type,
  port: s.port,
  targetPort: s.targetPort,
  protocol: s.protocol,
  deploymentId: d.id,
  deploymentName: d.name,
});

export const chartSpec = (c: HelmChart): ChartSpec => ({
  id: c.id,
  name: c.name,
  version: c.version,
  appVersion: c.appVersion,
  description: c.description,
  content: c.content,
});
