// Deterministic pseudo-randomness: every "random" value the sandbox shows (ids, sizes, usage, pod names)
// is a hash of the spec, so two worker processes given the same spec print the same thing.
import { createHash } from 'node:crypto';

/** sha256 hex of the parts joined by NUL (so ["ab","c"] and ["a","bc"] differ). */
export function hashHex(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex');
}

/** A stable integer in [min, max] from the parts. */
export function hashInt(min: number, max: number, ...parts: string[]): number {
  const n = Number.parseInt(hashHex(...parts).slice(0, 12), 16);
  return min + (n % (max - min + 1));
}

// The alphabet Kubernetes uses for generated names (no vowels, no look-alikes), so pod names look real.
const K8S_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function k8sSuffix(length: number, ...parts: string[]): string {
  const hex = hashHex(...parts);
  let out = '';
  for (let i = 0; i < length; i++) {
    const byte = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
    out += K8S_ALPHABET.charAt(byte % K8S_ALPHABET.length);
  }
  return out;
}
