import { type AnyColumn, eq, type SQL } from 'drizzle-orm';
import type { Actor } from './deps.ts';
import { DomainError } from './errors.ts';

/** Admins see everything; everyone else only what they own (others' resources are a 404, not a 403). */
export function ownerFilter(actor: Actor, ownerColumn: AnyColumn): SQL | undefined {
  return actor.role === 'admin' ? undefined : eq(ownerColumn, actor.id);
}

export function canSee(actor: Actor, ownerId: string): boolean {
  return actor.role === 'admin' || actor.id === ownerId;
}

/** Viewers read only. */
export function assertCanWrite(actor: Actor): void {
  if (actor.role === 'viewer') throw new DomainError('forbidden', 'Insufficient permissions');
}

export function assertAdmin(actor: Actor): void {
  if (actor.role !== 'admin') throw new DomainError('forbidden', 'Insufficient permissions');
}
