import pg from 'pg';
import { bundlePem, newAgent, startTestServer, tlsClients, wireEntry, type TestServer, rpc } from './harness';

const BASE_URL = process.env.LANYARD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `lanyard_srv_${process.pid}_${Date.now().toString(36)}`;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: BASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Polls `check` (bounded) until it stops throwing. */
async function eventually(check: () => Promise<void>, attempts = 50): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await check();
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('two servers on one PostgreSQL database (HA)', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    await admin(`CREATE SCHEMA ${schema}`);
    const datastore = {
      databaseType: 'postgres' as const,
      connectionString: `${BASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      maxOpenConns: 4,
    };
    a = await startTestServer({ datastore, bundlePollIntervalMs: 200 });
    b = await startTestServer({ datastore, bundlePollIntervalMs: 200 });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  it('merges both CAs into one bundle and serves agents of either server', async () => {
    const { agent, clients } = await newAgent(a);
    clients.close();
    await rpc((cb) =>
      a.admin.entry.BatchCreateEntry({ entries: [wireEntry('/ha/web', agent.agentId.slice(20))] }, cb),
    );
    const roots = await bundlePem(b);
    expect(roots.toString().match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    await eventually(async () => {
      const onB = tlsClients(b, roots, agent.key.privateKey, agent.chainPem);
      try {
        const got = await rpc<{ entries: Array<{ spiffe_id: { path: string } }> }>((cb) =>
          onB.entry.GetAuthorizedEntries({}, cb),
        );
        expect(got.entries.map((e) => e.spiffe_id.path)).toEqual(['/ha/web']);
      } finally {
        onB.close();
      }
    });
  });
});
