// Pure manifest builders: what Slipway asks the cluster to hold. Server-side applied with field manager
// `slipway`, so these objects state only the fields Slipway owns; everything else stays the cluster's.
import { validateImageReference } from '@slipway/contract/image-reference';
import { type DeploymentSpec, DriverError, type ServiceSpec } from '../types.ts';

export const FIELD_MANAGER = 'slipway';

/** Labels that tie cluster objects to Slipway rows. The selector uses the deployment id, which never changes. */
export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  name: 'app.kubernetes.io/name',
  deploymentId: 'slipway.dev/deployment-id',
  serviceId: 'slipway.dev/service-id',
} as const;

export const MANAGED_BY = 'slipway';

/** The single container every Slipway deployment runs; logs and statuses are read from it by name. */
export const CONTAINER_NAME = 'app';

export type DeploymentManifest = {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        containers: {
          name: string;
          image: string;
          imagePullPolicy: 'IfNotPresent';
          ports: { name: string; containerPort: number; protocol: 'TCP' }[];
        }[];
      };
    };
  };
};

export type ServiceManifest = {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: {
    type: ServiceSpec['type'];
    selector: Record<string, string>;
    ports: { name: string; port: number; targetPort: number; protocol: 'TCP' | 'UDP' | 'SCTP' }[];
  };
};

export type NamespaceManifest = {
  apiVersion: 'v1';
  kind: 'Namespace';
  metadata: { name: string; labels: Record<string, string> };
};

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function invalid(message: string): DriverError {
  return new DriverError('invalid_spec', message, { retryable: false });
}

function checkName(what: string, name: string): void {
  if (name.length > 63 || !DNS_LABEL.test(name)) {
    throw invalid(
      `${what} "${name}" is not a valid Kubernetes name (lowercase RFC 1123 label, at most 63 characters)`,
    );
  }
}

function checkPort(what: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw invalid(`${what} ${port} is not a port (1-65535)`);
}

function baseLabels(name: string): Record<string, string> {
  return { [LABELS.name]: name, [LABELS.managedBy]: MANAGED_BY };
}

export function buildNamespaceManifest(name: string): NamespaceManifest {
  checkName('namespace', name);
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { [LABELS.managedBy]: MANAGED_BY } },
  };
}

export function buildDeploymentManifest(spec: DeploymentSpec): DeploymentManifest {
  checkName('deployment name', spec.name);
  checkName('namespace', spec.namespace);
  checkPort('container port', spec.containerPort);
  if (!Number.isInteger(spec.replicas) || spec.replicas < 0)
    throw invalid(`replicas ${spec.replicas} must be an integer >= 0`);
  // The grammar the API validated the image with: a reference the kubelet would call InvalidImageName
  // fails here, before anything is applied.
  const imageIssue = validateImageReference(spec.image);
  if (imageIssue) throw invalid(`image "${spec.image}": ${imageIssue}`);
  const labels = { ...baseLabels(spec.name), [LABELS.deploymentId]: spec.id };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: spec.name, namespace: spec.namespace, labels },
    spec: {
      replicas: spec.replicas,
      selector: { matchLabels: { [LABELS.deploymentId]: spec.id } },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: CONTAINER_NAME,
              image: spec.image,
              // `:latest` would default to Always, which cannot pull an image loaded with `minikube image load`.
              imagePullPolicy: 'IfNotPresent',
              ports: [{ name: 'http', containerPort: spec.containerPort, protocol: 'TCP' }],
            },
          ],
        },
      },
    },
  };
}

export function buildServiceManifest(spec: ServiceSpec): ServiceManifest {
  checkName('service name', spec.name);
  checkName('namespace', spec.namespace);
  checkPort('port', spec.port);
  checkPort('target port', spec.targetPort);
  const protocol = spec.protocol.toUpperCase();
  if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP') {
    throw invalid(`protocol "${spec.protocol}" is not one of TCP, UDP, SCTP`);
  }
  if (spec.type !== 'ClusterIP' && spec.type !== 'NodePort' && spec.type !== 'LoadBalancer') {
    throw invalid(`service type "${String(spec.type)}" is not one of ClusterIP, NodePort, LoadBalancer`);
  }
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      labels: {
        ...baseLabels(spec.name),
        [LABELS.serviceId]: spec.id,
        [LABELS.deploymentId]: spec.deploymentId,
      },
    },
    spec: {
      type: spec.type,
      selector: { [LABELS.deploymentId]: spec.deploymentId },
      ports: [{ name: protocol.toLowerCase(), port: spec.port, targetPort: spec.targetPort, protocol }],
    },
  };
}

/** The label selector for a deployment's pods. */
export function podSelector(deploymentId: string): string {
  return `${LABELS.deploymentId}=${deploymentId}`;
}
