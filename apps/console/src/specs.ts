import { serviceProtocols, serviceTypes, userRoles, userTiers } from '@slipway/contract/vocabulary';
import type { FieldSpec, Option } from './form.tsx';

// The create forms' fields, labelled in words after their API fields.

const opts = (xs: readonly string[]): Option[] => xs.map((x) => ({ value: x, label: x }));

export const imageFields: FieldSpec[] = [
  { name: 'name', label: 'Name', placeholder: 'todo-backend' },
  { name: 'tag', label: 'Tag', initial: 'latest' },
  { name: 'repository', label: 'Repository', placeholder: 'docker.io/todo-app' },
  { name: 'description', label: 'Description', kind: 'textarea', optional: true },
  {
    name: 'source.git',
    label: 'Git repository',
    optional: true,
    placeholder: 'https://github.com/acme/app',
    help: 'Build from a git repository (https:// or git@host:path); leave empty for the default context.',
  },
];

export const chartFields: FieldSpec[] = [
  { name: 'name', label: 'Name', placeholder: 'todo-app' },
  { name: 'version', label: 'Version', placeholder: '1.0.0' },
  { name: 'app_version', label: 'App version', optional: true },
  { name: 'description', label: 'Description', kind: 'textarea', optional: true },
];

export const chartArchiveField: FieldSpec = {
  name: 'archive',
  label: 'Chart archive (.tgz)',
  kind: 'file',
  accept: '.tgz,.tar.gz,application/gzip',
  optional: true,
  help: 'Without an archive Slipway scaffolds a chart.',
};

export const clusterFields: FieldSpec[] = [
  { name: 'name', label: 'Name', placeholder: 'local-dev' },
  { name: 'cpus', label: 'CPUs', kind: 'number', initial: 2 },
  { name: 'memory', label: 'Memory (MiB)', kind: 'number', initial: 4096 },
  { name: 'disk_size', label: 'Disk size (MiB)', kind: 'number', initial: 20480 },
  { name: 'kubernetes_version', label: 'Kubernetes version', initial: 'v1.28.0' },
];

export const deploymentFields = (clusters: Option[], charts: Option[]): FieldSpec[] => [
  { name: 'name', label: 'Name', placeholder: 'todo-backend' },
  { name: 'replicas', label: 'Replicas', kind: 'number', initial: 1 },
  { name: 'image', label: 'Image', placeholder: 'docker.io/todo-app/todo-backend:latest' },
  { name: 'container_port', label: 'Container port', kind: 'number', initial: 8000 },
  {
    name: 'minikube_cluster_id',
    label: 'Cluster',
    kind: 'select',
    options: clusters,
    ...(clusters[0] && clusters.length === 1 ? { initial: clusters[0].value } : {}),
  },
  { name: 'helm_chart_id', label: 'Helm chart', kind: 'select', options: charts, optional: true },
  { name: 'namespace', label: 'Namespace', optional: true, placeholder: 'yours (slipway-u-…)' },
];

export const serviceFields = (deployments: Option[]): FieldSpec[] => [
  { name: 'name', label: 'Name', placeholder: 'todo-backend-service' },
  { name: 'type', label: 'Type', kind: 'select', options: opts(serviceTypes), initial: 'ClusterIP' },
  { name: 'port', label: 'Port', kind: 'number', initial: 80 },
  { name: 'target_port', label: 'Target port', kind: 'number', initial: 8000 },
  { name: 'protocol', label: 'Protocol', kind: 'select', options: opts(serviceProtocols), initial: 'TCP' },
  { name: 'deployment_id', label: 'Deployment', kind: 'select', options: deployments },
];

export const userFields: FieldSpec[] = [
  { name: 'email', label: 'Email', kind: 'email' },
  { name: 'password', label: 'Password', kind: 'password', help: 'At least 8 characters.' },
  { name: 'role', label: 'Role', kind: 'select', options: opts(userRoles), initial: 'operator' },
  { name: 'tier', label: 'Tier', kind: 'select', options: opts(userTiers), initial: 'standard' },
];

export const aiDeployFields = (charts: Option[], clusters: Option[]): FieldSpec[] => [
  { name: 'helm_chart_id', label: 'Helm chart', kind: 'select', options: charts },
  { name: 'minikube_cluster_id', label: 'Cluster', kind: 'select', options: clusters },
  { name: 'ai_agent', label: 'Agent', initial: 'kubectl-ai' },
];

export const aiScaleFields = (deployments: Option[]): FieldSpec[] => [
  { name: 'deployment_id', label: 'Deployment', kind: 'select', options: deployments },
  { name: 'target_replicas', label: 'Replicas', kind: 'number', initial: 2 },
  { name: 'ai_agent', label: 'Agent', initial: 'kubectl-ai' },
];
