// Small formatting helpers shared by messages; kept here so every rule prints quantities the same way.
import type { Evidence } from './types.ts';

/** 1500 -> "1500m", matching how Kubernetes prints CPU quantities. */
export function formatCpu(millicores: number): string {
  return `${Math.round(millicores)}m`;
}

/** 256 -> "256Mi". */
export function formatMemory(mib: number): string {
  return `${Math.round(mib)}Mi`;
}

/** Integer percentage of part in whole, or null when it cannot be computed honestly. */
export function percentOf(part: number | null, whole: number | null): number | null {
  if (part === null || whole === null || whole <= 0) return null;
  return Math.round((part / whole) * 100);
}

/** Contract form: "65%" or "unknown". */
export function percentString(part: number | null, whole: number | null): string {
  const p = percentOf(part, whole);
  return p === null ? 'unknown' : `${p}%`;
}

export function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${n} ${n === 1 ? word : pluralWord}`;
}

/** "a", "a and b", "a, b and 3 more" — keeps messages one line even for many pods. */
export function listNames(names: string[], max = 3): string {
  if (names.length <= 1) return names[0] ?? '';
  if (names.length <= max) return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

export function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

export function uniqueEvidence(items: Evidence[]): Evidence[] {
  const seen = new Set<string>();
  const out: Evidence[] = [];
  for (const e of items) {
    const key = `${e.kind}\u0000${e.source}\u0000${e.detail}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out;
}
