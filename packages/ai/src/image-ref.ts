// Docker reference parsing, enough to tell a user which part of an image reference is probably wrong
// (registry, repository or tag). Follows the distribution/reference rules for where the registry ends.

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
  let rest = ref.trim();
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | null = null;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  // A colon before the last slash is a registry port (localhost:5000/app), not a tag.
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (tag === null && digest === null) tag = 'latest';
  const firstSlash = rest.indexOf('/');
  const first = firstSlash >= 0 ? rest.slice(0, firstSlash) : '';
  // Same test as docker: the first component is a registry only if it looks like a host.
  const isHost = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (isHost) {
    return { registry: first, repository: rest.slice(firstSlash + 1), tag, digest, implicitRegistry: false };
  }
  const repository = rest.includes('/') ? rest : `library/${rest}`;
  return { registry: 'docker.io', repository, tag, digest, implicitRegistry: true };
}

/** First double-quoted image reference in a kubelet message: `Failed to pull image "x:y": ...`. */
export function imageFromMessage(message: string): string | null {
  const m = /image "([^"]+)"/i.exec(message);
  return m?.[1] ?? null;
}
