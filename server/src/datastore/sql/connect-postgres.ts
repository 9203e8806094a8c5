import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import { pgClientConfig } from './pg-options';
import type { PoolSettings } from './pool-settings';
import type { Database } from './schema';

/** Postgres type OID of int8 (bigint, count(*)). */
const PG_INT8_OID = 20;

/** int8 columns (unix seconds, counts) are parsed as numbers. */
const parseInt8AsNumber = ((oid: number, format?: 'text' | 'binary') =>
  oid === PG_INT8_OID && format !== 'binary'
    ? (v: string) => Number(v)
    : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser;

/**
 * The pool as kysely sees it, closing a released client instead of keeping it idle when `maxIdle` idle clients
 * are already kept and nobody waits (database/sql's `max_idle_conns`; node-postgres has no such setting).
 */
function capIdle(pool: pg.Pool, maxIdle: number | undefined): PostgresPool {
  return {
    end: () => pool.end(),
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      const release = client.release.bind(client);
      return Object.assign(client, {
        release: (err?: Error | boolean) =>
          release(err ?? (maxIdle !== undefined && pool.idleCount >= maxIdle && pool.waitingCount === 0)),
      });
    },
  };
}

/**
 * Opens a pool on a libpq connection string (keyword/value or URI). A connection that the database closes (a
 * PostgreSQL restart or fail-over), idle in the pool or checked out between two statements of a transaction, is
 * reported to `onConnectionError`; the statement using it fails and the pool drops it. Without these listeners
 * node-postgres would crash the process with an unhandled 'error' event.
 */
export function openPostgres(
  connectionString: string,
  settings: PoolSettings,
  onConnectionError: (err: Error) => void,
): Kysely<Database> {
  const client = pgClientConfig(connectionString);
  const pool = new pg.Pool({
    ...client,
    max: settings.maxOpenConns,
    idleTimeoutMillis: settings.maxIdleTimeMs,
    maxLifetimeSeconds:
      settings.connMaxLifetimeMs === undefined ? undefined : Math.ceil(settings.connMaxLifetimeMs / 1000),
    types: { getTypeParser: parseInt8AsNumber },
  });
  pool.on('error', onConnectionError);
  pool.on('connect', (c) => c.on('error', onConnectionError));
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool: capIdle(pool, settings.maxIdleConns) }),
  });
}
