// Plan for AI-assisted deployment of a chart: release name, namespace and the values the chart tool gets.
// Refuses only what cannot work (cluster not running, chart known invalid, values out of range, no valid image).
import {
  InvalidImageReference,
  imageReferenceOf,
  validateImageParts,
} from '@slipway/contract/image-reference';
import type { ChartValues } from '@slipway/drivers';

/** Documented defaults for values the request cannot carry (POST /api/ai/deploy has only ids). */
export const DEPLOY_DEFAULTS = { namespace: 'default', replicas: 1, containerPort: 8080 } as const;

/** Helm's limit for release names (it appends suffixes to reach the 63-char DNS label limit). */
export const RELEASE_NAME_MAX = 53;

export type ImageCandidate = {
  name: string;
  tag: string;
  repository?: string | null;
  /** Container image status ('building' | 'built' | ...); absent means usable. */
  status?: string | null;
};

export type DeployPlanInput = {
  chart: { name: string; version: string; appVersion?: string | null; status?: string | null };
  cluster: { name: string; status: string };
  /** Images the user built; one matching the chart replaces the default image. */
  images?: ImageCandidate[];
  namespace?: string;
  replicas?: number;
  containerPort?: number;
  /** The release name when it is already decided (the deployment core recorded); else from the chart name. */
  releaseName?: string;
};

export type DeployPlan = {
  ok: boolean;
  reason?: string;
  release: { name: string; namespace: string; values: ChartValues };
  /** Where `values.image` came from. */
  imageSource: 'built-image' | 'chart-default';
  warnings: string[];
};

/** Lowercase, [a-z0-9-] only, no leading/trailing '-', at most 53 chars; "release" if nothing is left. */
export function toReleaseName(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, RELEASE_NAME_MAX)
    .replace(/-+$/g, '');
  return cleaned === '' ? 'release' : cleaned;
}

/** The image's reference (@slipway/contract's composition); null when its fields cannot form a valid one. */
export function imageRefOf(img: ImageCandidate): string | null {
  try {
    return imageReferenceOf({ repository: img.repository ?? '', name: img.name, tag: img.tag });
  } catch (e) {
    if (e instanceof InvalidImageReference) return null;
    throw e;
  }
}

const describeImage = (img: ImageCandidate) =>
  imageRefOf(img) ?? `${img.repository ? `${img.repository}/` : ''}${img.name}:${img.tag}`;

export type ImagePick = { ref: string | null; warnings: string[] };

/**
 * An image matches by name (the chart's or its release name) or, failing that, by its repository's last path
 * segment (docker.io/todo-app/* for chart todo-app). Several different repository matches are ambiguous:
 * guessing between a backend and a frontend image would deploy the wrong thing, so none is picked.
 */
export function pickImage(chartName: string, wantedTag: string, images: ImageCandidate[]): ImagePick {
  const release = toReleaseName(chartName);
  const byName = images.filter((i) => i.name === chartName || toReleaseName(i.name) === release);
  const byRepo = images.filter((i) => {
    const last = i.repository ? i.repository.split('/').pop() : undefined;
    return last !== undefined && (last === chartName || toReleaseName(last) === release);
  });
  const warnings: string[] = [];
  for (const tier of [byName, byRepo]) {
    if (tier.length === 0) continue;
    const usable = tier.filter((i) => (!i.status || i.status === 'built') && imageRefOf(i) !== null);
    for (const i of tier.filter((x) => !usable.includes(x))) {
      warnings.push(
        imageRefOf(i) === null
          ? `Image ${describeImage(i)} is not a valid image reference; not using it`
          : `Image ${describeImage(i)} is ${i.status}, not built; not using it`,
      );
    }
    if (usable.length === 0) continue;
    const names = new Set(usable.map((i) => i.name));
    if (names.size > 1) {
      warnings.push(
        `Several built images could belong to chart ${chartName} (${[...names].join(', ')}); using the chart default image`,
      );
      return { ref: null, warnings };
    }
    const chosen =
      usable.find((i) => i.tag === wantedTag) ?? usable.find((i) => i.tag === 'latest') ?? usable[0];
    if (chosen) return { ref: imageRefOf(chosen), warnings };
  }
  return { ref: null, warnings };
}

export function planDeploy(input: DeployPlanInput): DeployPlan {
  const { chart, cluster } = input;
  const tag = chart.appVersion ?? chart.version;
  const picked = pickImage(chart.name, tag, input.images ?? []);
  // The chart default, composed by the same module (a SemVer build suffix such as 1.0.0+1 is no image tag).
  const chartDefault = imageRefOf({ name: chart.name, tag });
  const image = picked.ref ?? chartDefault ?? `${chart.name}:${tag}`;
  const release = {
    name: input.releaseName ?? toReleaseName(chart.name),
    namespace: input.namespace ?? DEPLOY_DEFAULTS.namespace,
    values: {
      image,
      replicas: input.replicas ?? DEPLOY_DEFAULTS.replicas,
      containerPort: input.containerPort ?? DEPLOY_DEFAULTS.containerPort,
    },
  };
  const warnings = [...picked.warnings];
  if (picked.ref === null) {
    warnings.push(
      `No built image matches chart ${chart.name}; using ${image}, which must exist in the cluster (minikube image load) or a registry`,
    );
  }
  const plan = {
    release,
    imageSource: picked.ref ? ('built-image' as const) : ('chart-default' as const),
    warnings,
  };

  if (cluster.status !== 'running') {
    return {
      ...plan,
      ok: false,
      reason: `Cluster ${cluster.name} is ${cluster.status}, not running; start it before deploying`,
    };
  }
  if (chart.status === 'invalid') {
    return { ...plan, ok: false, reason: `Helm chart ${chart.name} ${chart.version} failed validation` };
  }
  if (picked.ref === null && chartDefault === null) {
    return {
      ...plan,
      ok: false,
      reason: `No built image matches chart ${chart.name}, and its default ${image} is not a valid image reference (${validateImageParts({ repository: '', name: chart.name, tag })?.issue})`,
    };
  }
  const { replicas, containerPort } = release.values;
  if (!Number.isInteger(replicas) || replicas < 0 || replicas > 100) {
    return { ...plan, ok: false, reason: `replicas must be an integer between 0 and 100 (got ${replicas})` };
  }
  if (!Number.isInteger(containerPort) || containerPort < 1 || containerPort > 65535) {
    return {
      ...plan,
      ok: false,
      reason: `container_port must be between 1 and 65535 (got ${containerPort})`,
    };
  }
  return { ...plan, ok: true };
}
