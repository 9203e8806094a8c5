import type { DataStoreOptions } from '../types';

/** Connection pool limits shared by the PostgreSQL and MySQL backends (SPIRE's database/sql settings). */
export interface PoolSettings {
  /** `max_open_conns`. */
  maxOpenConns: number;
  /** `max_idle_conns`: idle connections kept beyond this are closed on release; undefined keeps all. */
  maxIdleConns?: number;
  /** `conn_max_lifetime`: a connection older than this is closed instead of reused; undefined is unlimited. */
  connMaxLifetimeMs?: number;
  /** How long a connection may sit idle before it is closed (SPIRE's fixed ConnMaxIdleTime, 30 s). */
  maxIdleTimeMs: number;
}

/** Lanyard's default pool size (SPIRE's is 100; one server rarely needs more than a few). */
const DEFAULT_MAX_OPEN_CONNS = 10;
const MAX_IDLE_TIME_MS = 30_000;

/** The pool settings of the datastore options, with defaults. */
export function poolSettings(options: DataStoreOptions): PoolSettings {
  return {
    maxOpenConns: options.maxOpenConns ?? DEFAULT_MAX_OPEN_CONNS,
    maxIdleConns: options.maxIdleConns,
    connMaxLifetimeMs: options.connMaxLifetimeMs,
    maxIdleTimeMs: MAX_IDLE_TIME_MS,
  };
}
