import { readFileSync } from 'node:fs';
import { CompiledQuery, Kysely, MysqlDialect, type MysqlPool } from 'kysely';
import mysql, { type SslOptions } from 'mysql2';
import { InvalidArgumentError } from '@lanyard/base';
import type { DataStoreTls } from '../types';
import { parseMysqlDsn, type MysqlDsn } from './mysql-dsn';
import type { PoolSettings } from './pool-settings';
import type { Database } from './schema';

/**
 * Session settings every connection gets: strict mode (a value too long for its column is an error, never
 * truncated) and READ COMMITTED, the isolation PostgreSQL runs Lanyard's transactions at (fewer gap locks).
 */
const SESSION_SETUP = [
  "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,NO_ZERO_DATE,NO_ZERO_IN_DATE'",
  'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED',
];

function readPem(key: string, path: string | undefined): string | undefined {
  if (path === undefined || path === '') return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(
      `${key} ${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      'ERR_DATASTORE_TLS',
    );
  }
}

/**
 * The TLS settings: as SPIRE does, `root_ca_path` or a client certificate pair replace the DSN's `tls=` with a
 * verified connection using them; otherwise `tls=true` verifies against the system CAs and `tls=skip-verify`
 * encrypts without verifying.
 */
function tlsSettings(dsn: MysqlDsn, files: DataStoreTls | undefined): SslOptions | undefined {
  const ca = readPem('root_ca_path', files?.rootCaPath);
  const cert = readPem('client_cert_path', files?.clientCertPath);
  const key = readPem('client_key_path', files?.clientKeyPath);
  if ((cert === undefined) !== (key === undefined))
    throw new InvalidArgumentError(
      'client_cert_path and client_key_path must be given together',
      'ERR_DATASTORE_TLS',
    );
  if (ca !== undefined || cert !== undefined) return { ca, cert, key, rejectUnauthorized: true };
  if (dsn.tls === 'verify') return { rejectUnauthorized: true };
  if (dsn.tls === 'skip-verify') return { rejectUnauthorized: false };
  return undefined;
}

/**
 * Wraps the pool so a connection older than `lifetimeMs` is closed on release, or when it is taken from the pool
 * after expiring there, instead of being reused.
 */
function capLifetime(pool: mysql.Pool, lifetimeMs: number | undefined): MysqlPool {
  if (lifetimeMs === undefined) return pool;
  const born = new WeakMap<object, number>();
  const pooled = new WeakSet<object>();
  pool.on('connection', (conn) => born.set(conn, Date.now()));
  const expired = (conn: object): boolean => Date.now() - (born.get(conn) ?? 0) >= lifetimeMs;
  const get = (cb: Parameters<MysqlPool['getConnection']>[0]): void => {
    pool.getConnection((err, conn) => {
      if (err !== null) return cb(err, conn);
      // As Go's database/sql: an idle connection that expired while pooled is closed, not handed out.
      if (pooled.has(conn) && expired(conn)) {
        conn.destroy();
        return get(cb);
      }
      if (!pooled.has(conn)) {
        const release = conn.release.bind(conn);
        conn.release = () => {
          if (expired(conn)) return conn.destroy();
          pooled.add(conn);
          return release();
        };
      }
      return cb(null, conn);
    });
  };
  return { end: (cb) => pool.end(cb), getConnection: get };
}

/** Escapes nothing: names and values were checked by the DSN parser, as go-sql-driver sends them verbatim. */
function systemVariableStatements(dsn: MysqlDsn): string[] {
  return dsn.systemVariables.map(([name, value]) => `SET SESSION ${name} = ${value}`);
}

/**
 * Opens a mysql2 pool on a go-sql-driver DSN (SPIRE's MySQL `connection_string`). Lost connections are reported
 * to `onConnectionError` and dropped from the pool; the statement using one fails.
 */
export function openMysql(
  connectionString: string,
  settings: PoolSettings,
  tls: DataStoreTls | undefined,
  onConnectionError: (err: Error) => void,
): Kysely<Database> {
  const dsn = parseMysqlDsn(connectionString);
  const pool = mysql.createPool({
    host: dsn.host,
    port: dsn.port,
    socketPath: dsn.socketPath,
    user: dsn.user,
    password: dsn.password,
    database: dsn.database,
    connectTimeout: dsn.connectTimeoutMs,
    ssl: tlsSettings(dsn, tls),
    charset: 'utf8mb4',
    connectionLimit: settings.maxOpenConns,
    maxIdle: settings.maxIdleConns ?? settings.maxOpenConns,
    idleTimeout: settings.maxIdleTimeMs,
  });
  pool.on('connection', (conn) => conn.on('error', onConnectionError));
  const setup = [...SESSION_SETUP, ...systemVariableStatements(dsn)];
  return new Kysely<Database>({
    dialect: new MysqlDialect({
      pool: capLifetime(pool, settings.connMaxLifetimeMs),
      onCreateConnection: async (connection) => {
        for (const statement of setup) await connection.executeQuery(CompiledQuery.raw(statement));
      },
    }),
  });
}
