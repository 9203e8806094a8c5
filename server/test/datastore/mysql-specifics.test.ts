import { sql } from 'kysely';
import { FailedPreconditionError } from '@lanyard/base';
import { apiStatusOf } from '../../src/api/status';
import { openDataStore, type DataStoreOptions } from '../../src/datastore';
import { connect } from '../../src/datastore/sql/connect';
import { isDatabaseUnreachable, isValueTooLong } from '../../src/datastore/sql/sql-errors';
import { newEntry, rejection, sels } from './fixtures';
import { expectReplicaReads } from './read-replica';
import { MysqlDatabases, mysqlAdmin, mysqlDsn } from './mysql-databases';

const databases = new MysqlDatabases();
afterAll(() => databases.dropAll());

/** A new, empty (unmigrated) database on the test server. */
async function emptyDatabase(): Promise<string> {
  const { connectionString } = await databases.create();
  const name = /\/(\w+)\?/.exec(connectionString)?.[1] as string;
  await mysqlAdmin(async (c) => {
    await c.query(`DROP DATABASE ${name}`);
    await c.query(`CREATE DATABASE ${name}`);
  });
  return name;
}

/** The connection IDs two statements in a row ran on. */
async function connectionIds(options: DataStoreOptions): Promise<[number, number]> {
  const { primary } = await connect(options);
  try {
    const id = async () =>
      (await sql<{ id: number }>`select connection_id() as id`.execute(primary)).rows[0]?.id as number;
    const first = await id();
    // Let more than a 1 ms conn_max_lifetime pass before the second query: the first one may have released its
    // connection within the same millisecond, so only the check when taking it from the pool again closes it.
    const until = Date.now() + 20;
    while (Date.now() < until) await new Promise((resolve) => setImmediate(resolve));
    return [first, await id()];
  } finally {
    await primary.destroy();
  }
}

describe('MySQL specifics', () => {
  test('migrates an empty database with binary, no-pad string columns', async () => {
    const name = await emptyDatabase();
    const applied: string[] = [];
    const ds = await openDataStore({
      databaseType: 'mysql',
      connectionString: mysqlDsn(name),
      logger: {
        debug: () => undefined,
        info: (_m, f) => applied.push(String(f?.migration)),
        warn: () => undefined,
        error: () => undefined,
      },
    });
    try {
      expect(applied).toEqual([
        '0001_initial',
        '0002_entry_additional_attributes',
        '0003_node_agent_version',
      ]);
      // Case and trailing spaces matter, as on SQLite and PostgreSQL: three different selector sets.
      for (const value of ['uid:1', 'UID:1', 'uid:1 '])
        await ds.createEntry(newEntry({ selectors: sels(`unix:${value}`) }));
      expect(await ds.countEntries()).toBe(3);
      const found = await ds.listEntries({ selectors: { selectors: sels('unix:uid:1 '), match: 'EXACT' } });
      expect(found.items.map((e) => e.selectors[0]?.value)).toEqual(['uid:1 ']);
    } finally {
      await ds.close();
    }
  });

  test('disable_migration refuses an empty database', async () => {
    const name = await emptyDatabase();
    const err = await rejection(
      openDataStore({ databaseType: 'mysql', connectionString: mysqlDsn(name), disableMigration: true }),
    );
    expect(err).toBeInstanceOf(FailedPreconditionError);
    expect(err.message).toContain('but disable_migration is set');
  });

  test('a value longer than its column is refused and nothing is written', async () => {
    const ds = await openDataStore(await databases.create());
    try {
      const err = await rejection(ds.createEntry(newEntry({ selectors: sels(`unix:${'x'.repeat(256)}`) })));
      expect(isValueTooLong(err)).toBe(true);
      expect(apiStatusOf(err)).toEqual({
        code: 3, // INVALID_ARGUMENT
        message: expect.stringMatching(/^value too long for the datastore: Data too long for column 'value'/),
      });
      expect(await ds.countEntries()).toBe(0);
      expect(await ds.listEntryEventsAfter(0)).toEqual([]);
    } finally {
      await ds.close();
    }
  });

  test('sessions run strict, READ COMMITTED, with the DSN system variables', async () => {
    const { connectionString } = await databases.create();
    const { primary } = await connect({
      databaseType: 'mysql',
      connectionString: `${connectionString}&time_zone=%27%2B02%3A00%27`,
    });
    try {
      const { rows } = await sql<{
        tz: string;
        iso: string;
        mode: string;
      }>`select @@session.time_zone as tz, @@session.tx_isolation as iso, @@session.sql_mode as mode`.execute(
        primary,
      );
      expect(rows[0]).toMatchObject({ tz: '+02:00', iso: 'READ-COMMITTED' });
      expect(rows[0]?.mode).toContain('STRICT_ALL_TABLES');
    } finally {
      await primary.destroy();
    }
  });

  test('conn_max_lifetime decides whether a connection is reused', async () => {
    const base = await databases.create();
    const [a, b] = await connectionIds(base);
    expect(a).toBe(b);
    const [c, d] = await connectionIds({ ...base, connMaxLifetimeMs: 1 });
    expect(c).not.toBe(d);
  });

  test('ro_connection_string serves the entry cache reads; everything else reads the primary', async () => {
    await expectReplicaReads(await databases.create(), await databases.create());
  });

  test('an unreachable server fails the open as a lost connection', async () => {
    const err = await rejection(
      openDataStore({ databaseType: 'mysql', connectionString: 'root:@tcp(127.0.0.1:1)/test?timeout=5s' }),
    );
    expect(isDatabaseUnreachable(err)).toBe(true);
  });
});
