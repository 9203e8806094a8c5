/**
 * Read-only access to a SPIRE server's SQL datastore (SQLite file or PostgreSQL), as SPIRE's `sql` plugin lays
 * it out (schema versions 21–25, SPIRE 1.6 and later). Only SELECTs are issued; the SQLite file is opened
 * read-only.
 */
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { FailedPreconditionError, InvalidArgumentError, UnavailableError } from '@lanyard/base';

/** The oldest and newest SPIRE schema versions the importer reads. */
export const SPIRE_SCHEMA_VERSIONS = { min: 21, max: 25 } as const;

/** A row as the driver returns it. */
export type Row = Record<string, unknown>;

/** A read-only SPIRE datastore connection. */
export interface SpireDatabase {
  /** `sqlite3` or `postgres`. */
  readonly type: 'sqlite3' | 'postgres';
  /** SPIRE's schema version (its newest `migrations` row), checked when the database was opened. */
  schemaVersion?: number;
  /** Runs a SELECT. */
  query(sql: string): Promise<Row[]>;
  /** Whether `table` has `column` (columns added by later SPIRE schema versions). */
  hasColumn(table: string, column: string): Promise<boolean>;
  /** Whether `table` exists. */
  hasTable(table: string): Promise<boolean>;
  close(): Promise<void>;
}

function openSqlite(path: string): SpireDatabase {
  let db: Database.Database;
  try {
    db = new Database(path.replace(/^file:/, '').replace(/\?.*$/, ''), {
      readonly: true,
      fileMustExist: true,
    });
  } catch (err) {
    throw new InvalidArgumentError(`-database: cannot open SQLite file "${path}": ${(err as Error).message}`);
  }
  return {
    type: 'sqlite3',
    query: (sql) => Promise.resolve(db.prepare(sql).all() as Row[]),
    hasColumn: (table, column) =>
      Promise.resolve(
        (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as Row[]).some(
          (r) => r.name === column,
        ),
      ),
    hasTable: (table) =>
      Promise.resolve(
        db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table) !== undefined,
      ),
    close: () => Promise.resolve(void db.close()),
  };
}

async function openPostgres(connectionString: string): Promise<SpireDatabase> {
  const client = new Client({ connectionString });
  try {
    await client.connect();
  } catch (err) {
    throw new UnavailableError(`-database: cannot connect to PostgreSQL: ${(err as Error).message}`);
  }
  const exists = async (sql: string, params: unknown[]) => (await client.query(sql, params)).rowCount !== 0;
  return {
    type: 'postgres',
    query: async (sql) => (await client.query(sql)).rows as Row[],
    hasColumn: (table, column) =>
      exists(
        'SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2',
        [table, column],
      ),
    hasTable: (table) =>
      exists(
        'SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1',
        [table],
      ),
    close: () => client.end(),
  };
}

/** Opens SPIRE's datastore and checks that its schema version is one the importer reads. */
export async function openSpireDatabase(type: string, connection: string): Promise<SpireDatabase> {
  if (!connection) throw new InvalidArgumentError('-database is required');
  let db: SpireDatabase;
  if (type === 'sqlite3') db = openSqlite(connection);
  else if (type === 'postgres') db = await openPostgres(connection);
  else throw new InvalidArgumentError(`-databaseType: "${type}" is not supported (use sqlite3 or postgres)`);
  try {
    if (!(await db.hasTable('migrations')))
      throw new FailedPreconditionError(
        '-database: no SPIRE "migrations" table: this is not a SPIRE datastore',
      );
    const rows = await db.query('SELECT version FROM migrations ORDER BY id DESC LIMIT 1');
    const version = Number(rows[0]?.version);
    const { min, max } = SPIRE_SCHEMA_VERSIONS;
    if (!(version >= min && version <= max))
      throw new FailedPreconditionError(
        `-database: SPIRE schema version ${String(rows[0]?.version)} is not supported (supported: ${min} to ${max}, SPIRE 1.6 and later)`,
      );
    db.schemaVersion = version;
    return db;
  } catch (err) {
    await db.close();
    throw err;
  }
}
