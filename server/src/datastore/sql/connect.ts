import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDatabase,
  type SqliteDialectConfig,
  type SqliteStatement,
} from 'kysely';
import { InvalidArgumentError } from '@lanyard/base';
import type { DataStoreOptions } from '../types';
import { openMysql } from './connect-mysql';
import { openPostgres } from './connect-postgres';
import { poolSettings } from './pool-settings';
import type { Database } from './schema';

/** How long SQLite waits for another writer's lock before failing (ms). */
const SQLITE_BUSY_TIMEOUT_MS = 5000;
/** Bound of the prepared-statement cache on SQLite. */
const STATEMENT_CACHE_SIZE = 256;

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

/** The query layers of a datastore: the primary, and the read replica when `ro_connection_string` is set. */
export interface Connections {
  primary: Kysely<Database>;
  /** Serves reads that tolerate staleness (the entry cache's full loads); the primary when unset. */
  readOnly: Kysely<Database>;
}

function openServer(
  options: DataStoreOptions,
  connectionString: string,
  onConnectionError: (err: Error) => void,
): Kysely<Database> {
  const settings = poolSettings(options);
  return options.databaseType === 'postgres'
    ? openPostgres(connectionString, settings, onConnectionError)
    : openMysql(connectionString, settings, options.tls, onConnectionError);
}

/** Opens the query layers for the configured backend (no migration). */
export async function connect(
  options: DataStoreOptions,
  onConnectionError: (err: Error) => void = () => undefined,
): Promise<Connections> {
  switch (options.databaseType) {
    case 'sqlite3': {
      if (options.roConnectionString !== undefined)
        throw new InvalidArgumentError('ro_connection_string is not applicable to sqlite3');
      const db = openSqlite(options.connectionString);
      return { primary: db, readOnly: db };
    }
    case 'postgres':
    case 'mysql': {
      const primary = openServer(options, options.connectionString, onConnectionError);
      if (options.roConnectionString === undefined) return { primary, readOnly: primary };
      try {
        return {
          primary,
          readOnly: openServer(options, options.roConnectionString, onConnectionError),
        };
      } catch (err) {
        await primary.destroy();
        throw err;
      }
    }
    default:
      throw new InvalidArgumentError(
        `database_type "${String(options.databaseType)}" is not supported (use sqlite3, postgres or mysql)`,
      );
  }
}
