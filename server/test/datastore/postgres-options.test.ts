import { chmodSync, chownSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { ThrowawayPostgres } from '../../../test/reliability/throwaway-postgres';
import { openDataStore, type DataStoreOptions } from '../../src/datastore';
import { connect } from '../../src/datastore/sql/connect';
import { newEntry, rejection } from './fixtures';
import { expectReplicaReads } from './read-replica';
import { makePki } from './test-pki';

/** The shared PostgreSQL (trust auth, no TLS) as a SPIRE keyword/value string, one schema per test. */
const prefix = `lanyard_pgopt_${process.pid}_${Date.now().toString(36)}`;
const schemas: string[] = [];
const BASE = 'host=127.0.0.1 port=5432 user=postgres dbname=test';

async function onShared<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function newSchema(): Promise<string> {
  const schema = `${prefix}_${schemas.length}`;
  schemas.push(schema);
  await onShared((c) => c.query(`CREATE SCHEMA ${schema}`));
  return `${BASE} sslmode=disable options='-c search_path=${schema}'`;
}

async function backendPids(options: DataStoreOptions, pause: () => Promise<void>): Promise<[number, number]> {
  const { primary } = await connect(options);
  try {
    const pid = async () =>
      (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(primary)).rows[0]?.pid as number;
    const first = await pid();
    await pause();
    return [first, await pid()];
  } finally {
    await primary.destroy();
  }
}

/** What the server reports about the store's own connection: TLS on, and the client certificate's DN. */
async function sslOf(connectionString: string): Promise<{ ssl: boolean; client_dn: string | null }> {
  const { primary } = await connect({ databaseType: 'postgres', connectionString });
  try {
    const { rows } = await sql<{ ssl: boolean; client_dn: string | null }>`
      select ssl, client_dn from pg_stat_ssl where pid = pg_backend_pid()`.execute(primary);
    return rows[0] as { ssl: boolean; client_dn: string | null };
  } finally {
    await primary.destroy();
  }
}

afterAll(() =>
  onShared(async (c) => {
    for (const schema of schemas) await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  }),
);

describe('PostgreSQL connection options', () => {
  test("SPIRE's keyword/value form works; without sslmode it uses TLS, as lib/pq does", async () => {
    const connectionString = await newSchema();
    const ds = await openDataStore({ databaseType: 'postgres', connectionString });
    try {
      await ds.createEntry(newEntry());
      expect(await ds.countEntries()).toBe(1);
    } finally {
      await ds.close();
    }
    expect((await sslOf(BASE)).ssl).toBe(true);
    expect((await sslOf(connectionString)).ssl).toBe(false);
  });

  test('max_idle_conns 0 closes released connections; conn_max_lifetime retires old ones', async () => {
    const options: DataStoreOptions = { databaseType: 'postgres', connectionString: await newSchema() };
    const noPause = async () => undefined;
    const [a, b] = await backendPids(options, noPause);
    expect(a).toBe(b);
    const [c, d] = await backendPids({ ...options, maxIdleConns: 0 }, noPause);
    expect(c).not.toBe(d);
    // A 1 ms lifetime rounds up to node-postgres' 1 s: wait until that second has passed.
    const started = Date.now();
    const [e, f] = await backendPids({ ...options, connMaxLifetimeMs: 1 }, async () => {
      while (Date.now() - started < 1500) await new Promise((r) => setTimeout(r, 100));
    });
    expect(e).not.toBe(f);
  });

  test('ro_connection_string serves the entry cache reads; everything else reads the primary', async () => {
    const postgres = async (): Promise<DataStoreOptions> => ({
      databaseType: 'postgres',
      connectionString: await newSchema(),
    });
    await expectReplicaReads(await postgres(), await postgres());
  });
});

describe('PostgreSQL over TLS (a throw-away cluster with ssl=on and a test CA)', () => {
  const pki = mkdtempSync(join(tmpdir(), 'lanyard-pg-tls-'));
  let server: ThrowawayPostgres | undefined;

  beforeAll(async () => {
    makePki(pki);
    server = await ThrowawayPostgres.create((data) => {
      for (const file of ['server.crt', 'server.key', 'ca.crt']) {
        copyFileSync(join(pki, file), join(data, file));
        chownSync(join(data, file), 65534, 65534);
        chmodSync(join(data, file), 0o600);
      }
      return ['ssl=on', 'ssl_cert_file=server.crt', 'ssl_key_file=server.key', 'ssl_ca_file=ca.crt'];
    });
  }, 180_000);
  afterAll(async () => {
    await server?.destroy();
    rmSync(pki, { recursive: true, force: true });
  });

  const conninfo = (extra: string) =>
    `host=127.0.0.1 port=${server?.port ?? 0} user=postgres dbname=postgres ${extra}`;

  test('verify-full with sslrootcert and a client certificate: the datastore opens over TLS', async () => {
    const connectionString = conninfo(
      `sslmode=verify-full sslrootcert=${join(pki, 'ca.crt')} sslcert=${join(pki, 'client.crt')} sslkey=${join(pki, 'client.key')}`,
    );
    const ds = await openDataStore({ databaseType: 'postgres', connectionString });
    try {
      await ds.createEntry(newEntry());
      expect(await ds.countEntries()).toBe(1);
    } finally {
      await ds.close();
    }
    expect(await sslOf(connectionString)).toEqual({ ssl: true, client_dn: '/CN=spire' });
  });

  test('require encrypts without verifying; disable does not encrypt', async () => {
    expect(await sslOf(conninfo(''))).toEqual({ ssl: true, client_dn: null });
    expect((await sslOf(conninfo('sslmode=disable'))).ssl).toBe(false);
  });

  test('a server certificate from another CA is refused by verify-ca and verify-full', async () => {
    for (const mode of ['verify-ca', 'verify-full']) {
      const err = await rejection(
        sslOf(conninfo(`sslmode=${mode} sslrootcert=${join(pki, 'other-ca.crt')}`)),
      );
      expect(err.message).toMatch(/unable to verify|self[- ]signed|certificate/i);
    }
  });

  test('verify-full checks the host name; verify-ca does not', async () => {
    const ca = join(pki, 'ca.crt');
    const wrongHost = `host=localhost port=${server?.port ?? 0} user=postgres dbname=postgres sslrootcert=${ca}`;
    expect((await sslOf(`${wrongHost} sslmode=verify-ca`)).ssl).toBe(true);
    const err = await rejection(sslOf(`${wrongHost} sslmode=verify-full`));
    expect(err.message).toMatch(/Hostname\/IP does not match certificate's altnames/);
  });
});
