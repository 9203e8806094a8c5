import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDatabase,
  type SqliteDialectConfig,
  type SqliteStatement,
} from 'kysely';
import pg from 'pg';
import { InvalidArgumentError } from '@lanyard/base';
import type { DataStoreOptions } from '../types';
import type { Database } from './schema';

/** How long SQLite waits for another writer's lock before failing (ms). */
const SQLITE_BUSY_TIMEOUT_MS = 5000;
/** Bound of the prepared-statement cache on SQLite. */
const STATEMENT_CACHE_SIZE = 256;
/** Postgres type OID of int8 (bigint, count(*)). */
const PG_INT8_OID = 20;

/**
 * Wraps a better-sqlite3 database so kysely reuses prepared statements (kysely prepares on every query,
 * which dominates small writes). A small LRU keyed by SQL text; every statement kysely runs is finished
 * (`all`/`run`) before the next one, so reuse is safe.
 */
function cachingSqlite(database: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(sqlText: string): SqliteStatement {
      const hit = cache.get(sqlText);
      if (hit !== undefined) {
        cache.delete(sqlText);
        cache.set(sqlText, hit);
        return hit;
      }
      const stmt = database.prepare(sqlText) as unknown as SqliteStatement;
      cache.set(sqlText, stmt);
      if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      return stmt;
    },
  };
}

/**
 * The file path of a SQLite connection string: a plain path, or a `file:` URI whose query parameters
 * (SPIRE configs carry e.g. `?_busy_timeout=…`) are dropped because Lanyard sets its own pragmas.
 */
function sqlitePath(connectionString: string): string {
  const path = connectionString.startsWith('file:')
    ? decodeURIComponent(connectionString.slice('file:'.length).split('?')[0] ?? '')
    : connectionString;
  if (path === '')
    throw new InvalidArgumentError('connection_string must be a path to the sqlite3 database file');
  return path;
}

/**
 * Starts every SQLite transaction with BEGIN IMMEDIATE: Lanyard only opens transactions to write, and
 * taking the write lock up front makes a second process wait (busy timeout) instead of failing with
 * SQLITE_BUSY when it upgrades a read snapshot that another writer has moved past.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  constructor(
    settings: SqliteDialectConfig,
    private readonly database: BetterSqlite3.Database,
  ) {
    super(settings);
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  /**
   * SQLite has already rolled the transaction back itself after some errors (SQLITE_FULL, SQLITE_IOERR, …); a
   * second ROLLBACK would fail with "no transaction is active" and hide the real error from the caller.
   */
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.database.inTransaction) await super.rollbackTransaction(connection);
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(
    private readonly settings: SqliteDialectConfig,
    private readonly database: BetterSqlite3.Database,
  ) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings, this.database);
  }
}

/** Opens the SQLite file (creating its directory) in WAL mode with foreign keys on. */
function openSqlite(connectionString: string): Kysely<Database> {
  const path = sqlitePath(connectionString);
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true, mode: 0o700 });
  const database = new BetterSqlite3(path, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  database.pragma('journal_mode = WAL');
  database.pragma('foreign_keys = ON');
  database.pragma('synchronous = NORMAL');
  return new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: cachingSqlite(database) }, database),
  });
}

/**
 * Opens a pool on the libpq URL; int8 columns are parsed as numbers (unix seconds, counts). A connection that the
 * database closes (a PostgreSQL restart or fail-over), idle in the pool or checked out between two statements of a
 * transaction, is reported to `onConnectionError`; the statement using it fails and the pool drops it. Without
 * these listeners node-postgres would crash the process with an unhandled 'error' event.
 */
function openPostgres(
  connectionString: string,
  maxOpenConns: number,
  onConnectionError: (err: Error) => void,
): Kysely<Database> {
  if (!/^postgres(ql)?:\/\//.test(connectionString)) {
    throw new InvalidArgumentError('connection_string must be a postgres:// URL');
  }
  const pool = new pg.Pool({
    connectionString,
    max: maxOpenConns,
    idleTimeoutMillis: 30_000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8_OID && format !== 'binary'
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
    },
  });
  pool.on('error', onConnectionError);
  pool.on('connect', (client) => client.on('error', onConnectionError));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** Opens the query layer for the configured backend (no migration). */
export function connect(
  options: DataStoreOptions,
  onConnectionError: (err: Error) => void = () => undefined,
): Kysely<Database> {
  switch (options.databaseType) {
    case 'sqlite3':
      return openSqlite(options.connectionString);
    case 'postgres':
      return openPostgres(options.connectionString, options.maxOpenConns ?? 10, onConnectionError);
    default:
      throw new InvalidArgumentError(
        `database_type "${String(options.databaseType)}" is not supported (use sqlite3 or postgres)`,
      );
  }
}
