import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { TestCa } from '@lanyard/test-support';
import { MemoryKeyManager } from '../../src/ca';
import { bundlePem, newAgent, startTestServer, tlsClients, wireEntry, type TestServer, rpc } from './harness';

const BASE_URL = process.env.LANYARD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schemaPrefix = `lanyard_srv_${process.pid}_${Date.now().toString(36)}`;

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

/** Serves an agent attested at `a` from `b` once `b` has seen the entry and the bundle. */
async function expectServedByB(
  a: TestServer,
  b: TestServer,
): Promise<{ roots: Buffer; agentChain: Buffer[] }> {
  const { agent, clients } = await newAgent(a);
  clients.close();
  await rpc((cb) =>
    a.admin.entry.BatchCreateEntry({ entries: [wireEntry('/ha/web', agent.agentId.slice(20))] }, cb),
  );
  let roots: Buffer = Buffer.alloc(0);
  await eventually(async () => {
    roots = await bundlePem(b);
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
  return { roots, agentChain: agent.chainDer };
}

describe('two servers on one PostgreSQL database (HA)', () => {
  const upstreamDir = mkdtempSync(path.join(tmpdir(), 'lyu-'));
  const upstream = TestCa.create({ trustDomain: 'example.org', ttlSeconds: 7 * 24 * 3600 });
  const certFilePath = path.join(upstreamDir, 'upstream.crt');
  const keyFilePath = path.join(upstreamDir, 'upstream.key');
  writeFileSync(certFilePath, upstream.certificate.pem);
  writeFileSync(
    keyFilePath,
    upstream.certificate.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  );
  const schemas: string[] = [];
  const running: TestServer[] = [];

  /** Two servers on a fresh schema, with or without the shared upstream. */
  async function pair(withUpstream: boolean): Promise<[TestServer, TestServer]> {
    const schema = `${schemaPrefix}_${schemas.length}`;
    schemas.push(schema);
    await admin(`CREATE SCHEMA ${schema}`);
    const datastore = {
      databaseType: 'postgres' as const,
      connectionString: `${BASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      maxOpenConns: 4,
    };
    const ca = () => ({
      keyManager: new MemoryKeyManager(),
      upstreamAuthority: withUpstream ? { certFilePath, keyFilePath } : undefined,
    });
    const a = await startTestServer({ datastore, bundlePollIntervalMs: 200, ca: ca() });
    running.push(a);
    const b = await startTestServer({ datastore, bundlePollIntervalMs: 200, ca: ca() });
    running.push(b);
    return [a, b];
  }

  afterAll(async () => {
    for (const s of running) await s.stop();
    for (const schema of schemas) await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    rmSync(upstreamDir, { recursive: true, force: true });
  });

  it('each server has its own CA under the shared upstream; agents of either are served by both', async () => {
    const [a, b] = await pair(true);
    const [caA, caB] = [a, b].map((s) => s.server.ca.getX509AuthorityState().active?.authorityId);
    expect(caA).not.toBe(caB);
    const { roots, agentChain } = await expectServedByB(a, b);
    expect(roots.toString()).toBe(upstream.certificate.pem);
    expect(agentChain).toHaveLength(2);
  });

  it('without an upstream, both self-signed roots are merged into the shared bundle', async () => {
    const [a, b] = await pair(false);
    const { roots } = await expectServedByB(a, b);
    expect(roots.toString().match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  });
});
