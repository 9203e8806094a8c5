import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { openDataStore, type DataStoreOptions } from '../../src/datastore';

/** MariaDB/MySQL from the environment: 127.0.0.1:3306, user root, empty password (CI has one). */
export const MYSQL_HOST = process.env.LANYARD_TEST_MYSQL_HOST ?? '127.0.0.1';
export const MYSQL_PORT = Number(process.env.LANYARD_TEST_MYSQL_PORT ?? '3306');

/** The DSN of database `name` on the test server, as a SPIRE config spells it. */
export function mysqlDsn(name: string, params = 'parseTime=true'): string {
  return `root:@tcp(${MYSQL_HOST}:${MYSQL_PORT})/${name}?${params}`;
}

/** Runs `fn` on an administrative connection (no default database). */
export async function mysqlAdmin<T>(fn: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const c = await mysql.createConnection({ host: MYSQL_HOST, port: MYSQL_PORT, user: 'root', password: '' });
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * Hands out empty, fully migrated databases named `lanyard_<random>_<n>` and drops them (with `dropPrevious`,
 * each when the next is made; the rest at the end). MySQL DDL
 * is slow (each CREATE TABLE syncs files), so Lanyard's migrations run once, on the first database, and later
 * databases get the same tables from its `SHOW CREATE TABLE` output plus the migration bookkeeping rows.
 */
export class MysqlDatabases {
  private readonly prefix = `lanyard_${randomBytes(4).toString('hex')}`;
  private readonly names: string[] = [];
  private schema: string[] | undefined;

  /** @param dropPrevious drop the previously handed-out database on each `create` (one test, one database). */
  constructor(private readonly dropPrevious = false) {}

  /** A new database holding the migrated schema; options open it. */
  async create(): Promise<Omit<DataStoreOptions, 'now' | 'logger'>> {
    const name = `${this.prefix}_${this.names.length}`;
    this.names.push(name);
    const options = { databaseType: 'mysql' as const, connectionString: mysqlDsn(name), maxOpenConns: 4 };
    if (this.schema === undefined) {
      await mysqlAdmin((c) => c.query(`CREATE DATABASE ${name}`));
      await (await openDataStore(options)).close();
      this.schema = await mysqlAdmin((c) => schemaOf(c, name));
    } else {
      const statements = this.schema;
      const previous =
        this.dropPrevious && this.names.length > 2 ? this.names[this.names.length - 2] : undefined;
      await mysqlAdmin(async (c) => {
        // The previous test's store is closed by now: drop its database here, not all at the end.
        if (previous !== undefined) await c.query(`DROP DATABASE IF EXISTS ${previous}`);
        await c.query(`CREATE DATABASE ${name}`);
        await c.query(`USE ${name}`);
        await c.query('SET foreign_key_checks = 0');
        for (const statement of statements) await c.query(statement);
        const first = this.names[0] as string;
        await c.query(`INSERT INTO kysely_migration SELECT * FROM ${first}.kysely_migration`);
        await c.query(`INSERT INTO kysely_migration_lock SELECT * FROM ${first}.kysely_migration_lock`);
      });
    }
    return options;
  }

  /** Drops every database handed out. */
  async dropAll(): Promise<void> {
    await mysqlAdmin(async (c) => {
      for (const name of this.names) await c.query(`DROP DATABASE IF EXISTS ${name}`);
    });
  }
}

/** The CREATE TABLE statements of every table of `database`. */
async function schemaOf(c: mysql.Connection, database: string): Promise<string[]> {
  const [tables] = await c.query<mysql.RowDataPacket[]>(
    'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
    [database],
  );
  const out: string[] = [];
  for (const { name } of tables) {
    const [rows] = await c.query<mysql.RowDataPacket[]>(`SHOW CREATE TABLE ${database}.${String(name)}`);
    out.push(String(rows[0]?.['Create Table']).replace(/ AUTO_INCREMENT=\d+/, ''));
  }
  return out;
}
