// Docker reference parsing, enough to tell a user which part of an image reference is probably wrong
// (registry, repository or tag). The split is @slipway/contract/image-reference's (the grammar the API
// validates with); here it is only described the way a pull sees it (Docker Hub, library/ prefix).
import { splitImageReference, tagOrLatest } from '@slipway/contract/image-reference';

export type ImageRef = {
  /** Registry host; "docker.io" when the reference names none. */
  registry: string;
  /** Path inside the registry, e.g. "library/nginx" or "todo-app/todo-backend". */
  repository: string;
  /** "latest" when neither tag nor digest is given. */
  tag: string | null;
  digest: string | null;
  /** True when the reference named no registry (so a pull goes to Docker Hub). */
  implicitRegistry: boolean;
};

export function parseImageRef(ref: string): ImageRef {
  const parts = splitImageReference(ref);
  const tag = tagOrLatest(parts);
  if (parts.registry !== null) {
    return {
      registry: parts.registry,
      repository: parts.path,
      tag,
      digest: parts.digest,
      implicitRegistry: false,
    };
  }
  const repository = parts.path.includes('/') ? parts.path : `library/${parts.path}`;
  return { registry: 'docker.io', repository, tag, digest: parts.digest, implicitRegistry: true };
}

/** First double-quoted image reference in a kubelet message: `Failed to pull image "x:y": ...`. */
export function imageFromMessage(message: string): string | null {
  const m = /image "([^"]+)"/i.exec(message);
  return m?.[1] ?? null;
}
