import type { Db } from '@slipway/db';
import type { Producer } from '@slipway/jobs';

export type Logger = {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
};

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** What every core verb needs. Built once by a composition root (apps/api, apps/worker). */
export type CoreDeps = {
  db: Db;
  /** Absent in processes that never enqueue (the reconciler tests pass one). */
  producer?: Producer;
  /** The driver new resources are recorded against (`sandbox`, `docker`, ...). */
  driver: { images: string; clusters: string; workloads: string; charts: string };
  log?: Logger;
};

export type Actor = { id: string; role: 'admin' | 'operator' | 'viewer' };
