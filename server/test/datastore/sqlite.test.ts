import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { FailedPreconditionError, InvalidArgumentError } from '@lanyard/base';
import { openDataStore } from '../../src/datastore';
import { describeConformance } from './conformance';
import { rejection } from './fixtures';

const root = mkdtempSync(join(tmpdir(), 'lanyard-ds-sqlite-'));
let counter = 0;

describe('DataStore on SQLite', () => {
  describeConformance({
    multiConnection: false,
    newDatabase: async () => ({
      databaseType: 'sqlite3',
      connectionString: join(root, `db${++counter}`, 'datastore.sqlite3'),
    }),
    cleanup: async () => rmSync(root, { recursive: true, force: true }),
  });
});

describe('SQLite specifics', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lanyard-ds-sqlite-x-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('creates the parent directory, uses WAL and records the first migration', async () => {
    const path = join(dir, 'nested', 'deeper', 'ds.sqlite3');
    const logged: string[] = [];
    const ds = await openDataStore({
      databaseType: 'sqlite3',
      connectionString: path,
      logger: {
        debug: () => undefined,
        info: (m, f) => logged.push(`${m} ${String(f?.migration)}`),
        warn: () => undefined,
        error: () => undefined,
      },
    });
    await ds.close();
    expect(existsSync(path)).toBe(true);
    expect(logged).toEqual([
      'Applied datastore migration 0001_initial',
      'Applied datastore migration 0002_entry_additional_attributes',
      'Applied datastore migration 0003_node_agent_version',
    ]);
    const raw = new BetterSqlite3(path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      const names = raw.prepare('select name from kysely_migration').all() as { name: string }[];
      expect(names.map((n) => n.name)).toEqual([
        '0001_initial',
        '0002_entry_additional_attributes',
        '0003_node_agent_version',
      ]);
    } finally {
      raw.close();
    }
  });

  test('migrations 0002 and 0003 upgrade a 0001 database: entry attributes read false, nodes no agent version', async () => {
    const path = join(dir, 'v1.sqlite3');
    const first = await openDataStore({ databaseType: 'sqlite3', connectionString: path });
    const entry = await first.createEntry({
      spiffeId: 'spiffe://example.org/old',
      parentId: 'spiffe://example.org/agent',
      selectors: [{ type: 'unix', value: 'uid:1' }],
      x509SvidTtl: 0,
      jwtSvidTtl: 0,
      dnsNames: [],
      federatesWith: [],
      admin: false,
      downstream: false,
      expiresAt: 0,
      storeSvid: false,
      hint: '',
      jwtSvidIncludeJti: true,
    });
    const node = await first.createNode({
      spiffeId: 'spiffe://example.org/spire/agent/x/old',
      attestationDataType: 'x',
      certSerialNumber: '1',
      certNotAfter: 1,
      newCertSerialNumber: '',
      newCertNotAfter: 0,
      canReattest: false,
    });
    await first.close();
    // Turn the file back into a schema-1 database, as an earlier Lanyard left it.
    const raw = new BetterSqlite3(path);
    raw.exec('alter table registered_entries drop column jwt_svid_include_jti');
    raw.exec('alter table registered_entries drop column disable_x509_svid_prefetch');
    raw.exec('alter table attested_nodes drop column agent_version');
    raw
      .prepare(
        "delete from kysely_migration where name in ('0002_entry_additional_attributes', '0003_node_agent_version')",
      )
      .run();
    raw.close();
    const again = await openDataStore({ databaseType: 'sqlite3', connectionString: path });
    try {
      expect(await again.getEntry(entry.id)).toEqual({
        ...entry,
        jwtSvidIncludeJti: false,
        disableX509SvidPrefetch: false,
      });
      expect(await again.getNode(node.spiffeId)).toEqual(node);
      await again.updateNode({ ...node, agentVersion: '1.0' }, { agentVersion: true });
      expect((await again.getNode(node.spiffeId))?.agentVersion).toBe('1.0');
    } finally {
      await again.close();
    }
  });

  test('a database migrated by a newer version is refused', async () => {
    const path = join(dir, 'newer.sqlite3');
    await (await openDataStore({ databaseType: 'sqlite3', connectionString: path })).close();
    const raw = new BetterSqlite3(path);
    raw.prepare("insert into kysely_migration (name, timestamp) values ('9999_future', 'x')").run();
    raw.close();
    const err = await rejection(openDataStore({ databaseType: 'sqlite3', connectionString: path }));
    expect(err.message).toContain('datastore migration failed');
  });

  test('disableMigration refuses a database with pending migrations and opens a migrated one', async () => {
    const path = join(dir, 'disabled.sqlite3');
    const err = await rejection(
      openDataStore({ databaseType: 'sqlite3', connectionString: path, disableMigration: true }),
    );
    expect(err).toBeInstanceOf(FailedPreconditionError);
    expect(err.message).toBe(
      'datastore schema needs migrations 0001_initial, 0002_entry_additional_attributes, 0003_node_agent_version but disable_migration is set',
    );
    await (await openDataStore({ databaseType: 'sqlite3', connectionString: path })).close();
    const ds = await openDataStore({
      databaseType: 'sqlite3',
      connectionString: `file:${path}?mode=rwc`,
      disableMigration: true,
    });
    expect(await ds.countEntries()).toBe(0);
    await ds.close();
  });

  test('an unsupported database type or malformed connection string is InvalidArgument', async () => {
    const bad = await rejection(
      openDataStore({ databaseType: 'oracle' as 'sqlite3', connectionString: 'x' }),
    );
    expect(bad).toBeInstanceOf(InvalidArgumentError);
    expect(await rejection(openDataStore({ databaseType: 'sqlite3', connectionString: '' }))).toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(
      await rejection(openDataStore({ databaseType: 'postgres', connectionString: '/tmp/x' })),
    ).toBeInstanceOf(InvalidArgumentError);
  });
});

describe('SQLite across processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lanyard-ds-sqlite-race-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Each child opens the same file through the built datastore and creates the same 200 entries.
  const childScript = `
    const { openDataStore } = require(process.argv[1]);
    (async () => {
      const ds = await openDataStore({ databaseType: 'sqlite3', connectionString: process.argv[2] });
      const batch = Array.from({ length: 200 }, (_, i) => ({
        spiffeId: 'spiffe://example.org/race' + i,
        parentId: 'spiffe://example.org/spire/agent/join_token/abc',
        selectors: [{ type: 'unix', value: 'uid:1000' }],
        x509SvidTtl: 3600, jwtSvidTtl: 300, dnsNames: [], federatesWith: [],
        admin: false, downstream: false, expiresAt: 0, storeSvid: false, hint: '',
      }));
      const results = await ds.createEntries(batch);
      await ds.close();
      process.stdout.write(JSON.stringify(results.map((r) => (r.ok ? 'ok' : r.error.constructor.name))));
    })().catch((err) => { console.error(err); process.exit(1); });`;

  test('three processes racing the same batch create each entry exactly once', async () => {
    const built = join(__dirname, '..', '..', 'dist', 'datastore', 'index.js');
    expect(existsSync(built)).toBe(true); // `make test` builds first; run `make build` before this file alone
    const path = join(dir, 'race.sqlite3');
    await (await openDataStore({ databaseType: 'sqlite3', connectionString: path })).close();
    const runs = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<string[]>((resolve, reject) =>
            execFile(process.execPath, ['-e', childScript, built, path], (err, stdout, stderr) =>
              err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as string[]),
            ),
          ),
      ),
    );
    const outcomes = runs.flat();
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(200);
    expect(outcomes.filter((o) => o !== 'ok').every((o) => o === 'SimilarEntryExistsError')).toBe(true);
    const ds = await openDataStore({ databaseType: 'sqlite3', connectionString: path });
    try {
      expect(await ds.countEntries()).toBe(200);
      expect(await ds.listEntryEventsAfter(0)).toHaveLength(200);
    } finally {
      await ds.close();
    }
  });
});
