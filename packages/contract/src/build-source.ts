// Where an image is built from, checked by one set of rules at the edge (the API's schemas answer
// 422) and in the worker (the Docker driver refuses before git or the engine sees anything): git
// URLs, git refs, relative paths inside the build context root, build-arg names, and the hosts a
// clone may reach. Zod-free and import-free, so the drivers can use it (see README).
// Each check returns null when the value is fine, else the issue, in words for a 422 or an error.

function hasControlOrSpace(s: string, allowSpace = false): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x20 || c === 0x7f || (!allowSpace && /\s/.test(ch))) return true;
  }
  return false;
}

// scp-like `git@host:path`: the host cannot start with "-" (git would read `-oProxyCommand=...` as an
// ssh option), the path cannot start with "-" either.
const SCP_LIKE = /^git@([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):([A-Za-z0-9._~][A-Za-z0-9._~/-]*)$/;

export type GitUrl = { kind: 'https' | 'ssh'; host: string; port: number | null };

/** Parses an accepted git URL (https://host/... or git@host:path); null for anything else. */
export function parseGitUrl(url: string): GitUrl | null {
  if (gitUrlIssue(url) !== null) return null;
  if (url.startsWith('https://')) {
    const u = new URL(url);
    return { kind: 'https', host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : null };
  }
  const m = SCP_LIKE.exec(url);
  return { kind: 'ssh', host: m?.[1] ?? '', port: null };
}

/**
 * Only `https://host/...` and scp-like `git@host:path`. Everything else (http, file://, ext::, ssh://
 * with options, local paths, `-`-prefixed strings git would read as options) is refused.
 */
export function gitUrlIssue(url: string): string | null {
  if (url.length === 0 || url.length > 2048 || hasControlOrSpace(url)) {
    return 'git URL is empty, too long or contains whitespace/control characters';
  }
  if (url.startsWith('https://')) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return 'must be a valid https:// URL';
    }
    if (parsed.protocol !== 'https:' || parsed.hostname.length === 0) return 'must be a valid https:// URL';
    // The source is stored and shown back in every image response: no secrets in it.
    if (parsed.username || parsed.password)
      return 'must not carry credentials (use a deploy key or credential helper)';
    return null;
  }
  const m = SCP_LIKE.exec(url);
  if (m) {
    if ((m[2] ?? '').split('/').includes('..')) return 'must not contain ".."';
    return null;
  }
  return 'only https:// and git@host:path URLs are allowed';
}

/** A branch or tag name as `git clone --branch` accepts it; never option-like. */
export function gitRefIssue(ref: string): string | null {
  const ok =
    /^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$/.test(ref) &&
    !ref.includes('..') &&
    !ref.includes('//') &&
    !ref.endsWith('/') &&
    !ref.endsWith('.lock') &&
    !ref.endsWith('.');
  return ok ? null : 'must be a branch or tag name (letters, digits, ".", "_", "/", "-"; not option-like)';
}

/** A relative path that stays inside its base: not absolute, no `..`, no NUL, backslash or control. */
export function relativePathIssue(path: string): string | null {
  if (path.includes('\0') || path.includes('\\') || hasControlOrSpace(path, true)) {
    return 'contains forbidden characters';
  }
  if (path.startsWith('/')) return 'must be relative (inside the build context)';
  if (path.split('/').includes('..')) return 'must not contain ".."';
  return null;
}

/** The normalised relative path ('' for the base itself); call after relativePathIssue() is null. */
export function normaliseRelative(path: string): string {
  return path
    .split('/')
    .filter((p) => p !== '' && p !== '.')
    .join('/');
}

/** A Dockerfile inside the context: a relative path naming a file. */
export function dockerfileIssue(path: string): string | null {
  const issue = relativePathIssue(path);
  if (issue) return issue;
  return normaliseRelative(path) === '' ? 'must name a file inside the build context' : null;
}

export function buildArgNameIssue(name: string): string | null {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? null : 'must be an identifier';
}

// ---- where a clone may connect -----------------------------------------------------------------

function ipv4(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : null;
}

function restrictedV4([a = 0, b = 0]: number[]): string | null {
  if (a === 127) return 'a loopback address';
  if (a === 0) return 'an unspecified address';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'a private address';
  if (a === 169 && b === 254) return 'a link-local (metadata) address';
  if (a === 100 && b >= 64 && b <= 127) return 'a shared (carrier-grade NAT) address';
  if (a >= 224) return 'a multicast or reserved address';
  return null;
}

/** Expands an IPv6 literal into 8 groups, or null when it is not one. */
function ipv6(host: string): number[] | null {
  if (!host.includes(':')) return null;
  let h = host.toLowerCase();
  const v4 = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(h);
  let tail: number[] = [];
  if (v4?.[1]) {
    const p = ipv4(v4[1]);
    if (!p) return null;
    tail = [((p[0] ?? 0) << 8) | (p[1] ?? 0), ((p[2] ?? 0) << 8) | (p[3] ?? 0)];
    h = h.slice(0, -v4[1].length);
    if (!h.endsWith('::')) h = h.replace(/:$/, '');
  }
  const halves = h.split('::');
  if (halves.length > 2) return null;
  const parse = (s: string) =>
    s === '' ? [] : s.split(':').map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN));
  const head = parse(halves[0] ?? '');
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : [];
  const total = head.length + rest.length + tail.length;
  const groups =
    halves.length === 2 ? [...head, ...new Array(8 - total).fill(0), ...rest, ...tail] : [...head, ...tail];
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g))) return null;
  return groups;
}

function restrictedV6(g: number[]): string | null {
  if (g.every((x) => x === 0)) return 'an unspecified address';
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return 'a loopback address';
  // IPv4-mapped ::ffff:a.b.c.d: the IPv4 rules apply.
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return restrictedV4([(g[6] ?? 0) >> 8, (g[6] ?? 0) & 255, (g[7] ?? 0) >> 8, (g[7] ?? 0) & 255]);
  }
  const first = g[0] ?? 0;
  if ((first & 0xfe00) === 0xfc00) return 'a private (unique local) address';
  if ((first & 0xffc0) === 0xfe80) return 'a link-local address';
  if ((first & 0xff00) === 0xff00) return 'a multicast address';
  return null;
}

/** What is wrong with a literal IP address (loopback, private, link-local, metadata...), or null. */
export function restrictedAddressIssue(address: string): string | null {
  const a = address.replace(/^\[|\]$/g, '');
  const v4 = ipv4(a);
  if (v4) return restrictedV4(v4);
  const v6 = ipv6(a);
  return v6 ? restrictedV6(v6) : null;
}

/** A host name that always means this machine or its cloud's metadata service. */
const LOCAL_NAMES =
  /^(localhost|localhost\.localdomain|ip6-localhost|ip6-loopback|metadata|metadata\.google\.internal)$|\.localhost$/i;

/**
 * Whether a clone may connect to `host` as written (before any DNS lookup): loopback, private,
 * link-local and metadata addresses and names are refused unless `allowed` lists the host. The
 * worker checks again after resolving the name, right before the clone.
 */
export function gitHostIssue(host: string, allowed: readonly string[] = []): string | null {
  let h = host.replace(/^\[|\]$/g, '').toLowerCase();
  // The WHATWG URL parser canonicalises numeric forms (2130706433, 0x7f.1) the way resolvers read them.
  try {
    h = new URL(`http://${h.includes(':') ? `[${h}]` : h}`).hostname.replace(/^\[|\]$/g, '');
  } catch {}
  if (allowed.some((a) => a.toLowerCase() === h)) return null;
  if (LOCAL_NAMES.test(h))
    return `host ${h} is this machine or a metadata service; not allowed (GIT_ALLOWED_HOSTS)`;
  const issue = restrictedAddressIssue(h);
  return issue ? `host ${h} is ${issue}; not allowed (GIT_ALLOWED_HOSTS)` : null;
}
