/**
 * `experimental.prune_events_older_than`: a running server deletes entry and node events older than the setting
 * on its own timer (every half of it, as SPIRE), on SQLite and on PostgreSQL, and keeps recent ones.
 */
import pg from 'pg';
import type { DataStoreOptions } from '../src/datastore';
import { startTestServer, type TestServer } from './api/harness';
import { newEntry } from './datastore/fixtures';
import { waitFor } from './federation/helpers';

const PG_URL = process.env.LANYARD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PG_SCHEMA = `lanyard_prune_${process.pid}_${Date.now().toString(36)}`;

async function pgAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const node = (name: string) => ({
  spiffeId: `spiffe://example.org/spire/agent/join_token/${name}`,
  attestationDataType: 'join_token',
  certSerialNumber: '1',
  certNotAfter: 4_000_000_000,
  newCertSerialNumber: '',
  newCertNotAfter: 0,
  canReattest: false,
});

type Store = 'sqlite' | 'postgres';

async function datastoreFor(store: Store): Promise<Omit<DataStoreOptions, 'logger' | 'now'> | undefined> {
  if (store === 'sqlite') return undefined;
  await pgAdmin(`CREATE SCHEMA ${PG_SCHEMA}`);
  const options = encodeURIComponent(`-c search_path=${PG_SCHEMA}`);
  return { databaseType: 'postgres', connectionString: `${PG_URL}?options=${options}`, maxOpenConns: 2 };
}

describe.each<Store>(['sqlite', 'postgres'])('event pruning on %s', (store) => {
  let clockMs = Date.now();
  let ts: TestServer;

  beforeAll(async () => {
    const datastore = await datastoreFor(store);
    ts = await startTestServer({
      now: () => clockMs,
      pruneEventsOlderThanMs: 2000,
      ...(datastore ? { datastore } : {}),
    });
  });
  afterAll(async () => {
    await ts?.stop();
    if (store === 'postgres') await pgAdmin(`DROP SCHEMA IF EXISTS ${PG_SCHEMA} CASCADE`);
  });

  it('deletes entry and node events older than prune_events_older_than and keeps recent ones', async () => {
    const ds = ts.server.datastore;
    await ds.createEntry(newEntry({ spiffeId: 'spiffe://example.org/old' }));
    await ds.createNode(node('old'));
    clockMs += 60_000;
    const fresh = await ds.createEntry(newEntry({ spiffeId: 'spiffe://example.org/fresh' }));
    await ds.createNode(node('fresh'));
    const remaining = await waitFor('the old events to be pruned', async () => {
      const entries = await ds.listEntryEventsAfter(0);
      const nodes = await ds.listNodeEventsAfter(0);
      return entries.length === 1 && nodes.length === 1 ? { entries, nodes } : undefined;
    });
    expect(remaining.entries.map((e) => e.entryId)).toEqual([fresh.id]);
    expect(remaining.nodes.map((e) => e.spiffeId)).toEqual([node('fresh').spiffeId]);
  });
});
