import { X509Certificate } from 'node:crypto';
import { parseSelector } from '@lanyard/attestor-core';
import { unary } from '@lanyard/base/grpc';
import { TestCa } from '@lanyard/test-support';
import type { Agent } from '../../src/agent';
import { ServerJwtSvidMinter } from '../../src';
import {
  LogCapture,
  TD,
  agentConfig,
  agentDir,
  createEntry,
  createToken,
  deleteEntry,
  eventually,
  startAgent,
  startTestServer,
  wireId,
  type TestServer,
} from '../harness';

jest.setTimeout(60_000);

let ts: TestServer;
let agent: Agent;
let log: LogCapture;
let agentId: string;

beforeAll(async () => {
  ts = await startTestServer();
  log = new LogCapture();
  agent = await startAgent(agentConfig(ts, agentDir(), await createToken(ts.admin)), log);
  agentId = agent.identity.svid?.spiffeId ?? '';
});
afterAll(async () => {
  await agent.stop();
  await ts.stop();
});

const uid0 = [parseSelector('unix:uid:0')];

function leafOf(entryId: string): X509Certificate | undefined {
  const svid = agent.cache.getSvid(entryId);
  return svid ? new X509Certificate(svid.certChainDer[0]) : undefined;
}

test('sync delivers a new entry and an X509-SVID for it into the cache', async () => {
  const spiffeId = `spiffe://${TD}/sync/app`;
  const id = await createEntry(ts.admin, { parentId: agentId, spiffeId, selectors: ['unix:uid:0'] });
  const leaf = await eventually('the SVID', () => leafOf(id));
  expect(leaf.subjectAltName).toBe(`URI:${spiffeId}`);
  expect(leaf.verify(agent.cache.getBundle()!.x509Authorities[0].publicKey)).toBe(true);
  const view = agent.cache.match(uid0);
  expect(view.identities.map((i) => i.entry.spiffeId)).toContain(spiffeId);
  expect(agent.cache.match([parseSelector('unix:uid:4242')]).identities).toEqual([]);
});

test('workload SVIDs rotate at the jittered half-life with a short TTL', async () => {
  const id = await createEntry(ts.admin, {
    parentId: agentId,
    spiffeId: `spiffe://${TD}/sync/short`,
    selectors: ['unix:uid:0'],
    x509SvidTtl: 20,
  });
  const first = await eventually('the first SVID', () => leafOf(id));
  const second = await eventually(
    'a rotated SVID',
    () => {
      const leaf = leafOf(id);
      return leaf && leaf.serialNumber !== first.serialNumber ? leaf : undefined;
    },
    40_000,
  );
  // Renewal is jittered to 90–100 % of the half-life (svid-material.ts), never earlier.
  const start = Date.parse(first.validFrom);
  const halfLife = (Date.parse(first.validTo) - start) / 2;
  expect(Date.now()).toBeGreaterThanOrEqual(start + 0.9 * halfLife);
  expect(Date.now()).toBeLessThan(Date.parse(first.validTo));
  expect(Date.parse(second.validTo)).toBeGreaterThan(Date.parse(first.validTo));
});

test('a subscriber sees the update when an entry appears, and loses it when the entry is deleted', async () => {
  const updates: string[][] = [];
  const sub = agent.cache.subscribe([parseSelector('unix:uid:777')], (u) =>
    updates.push(u.identities.map((i) => i.entry.spiffeId)),
  );
  try {
    const spiffeId = `spiffe://${TD}/sync/uid777`;
    const id = await createEntry(ts.admin, { parentId: agentId, spiffeId, selectors: ['unix:uid:777'] });
    await eventually('the identity to reach the subscriber', () =>
      updates.some((u) => u.includes(spiffeId)) ? true : undefined,
    );
    await deleteEntry(ts.admin, id);
    await eventually('the identity to be removed', () => (updates.at(-1)?.length === 0 ? true : undefined));
    expect(agent.cache.getSvid(id)).toBeUndefined();
  } finally {
    sub.unsubscribe();
  }
});

test('JWT-SVIDs are minted by the server for an entry of the agent', async () => {
  const spiffeId = `spiffe://${TD}/sync/jwt`;
  const id = await createEntry(ts.admin, { parentId: agentId, spiffeId, selectors: ['unix:uid:0'] });
  await eventually('the entry', () =>
    agent.cache.entries().some((e) => e.entryId === id) ? true : undefined,
  );
  const minted = await new ServerJwtSvidMinter(agent.connection).mintJwtSvid({
    entryId: id,
    spiffeId,
    audience: ['aud-1'],
  });
  const claims = JSON.parse(Buffer.from(minted.token.split('.')[1], 'base64url').toString());
  expect(claims.sub).toBe(spiffeId);
  expect([claims.aud].flat()).toEqual(['aud-1']);
  expect(minted.expiresAt.getTime()).toBeGreaterThan(Date.now());
  await expect(
    new ServerJwtSvidMinter(agent.connection).mintJwtSvid({ entryId: 'nope', spiffeId, audience: ['a'] }),
  ).rejects.toThrow(/failed to mint JWT-SVID: rpc error: code = NotFound/);
});

test('while the server is down the agent keeps serving, logs the failure once, and recovers', async () => {
  const id = await createEntry(ts.admin, {
    parentId: agentId,
    spiffeId: `spiffe://${TD}/sync/outage`,
    selectors: ['unix:uid:0'],
  });
  const before = await eventually('the SVID', () => leafOf(id));
  const clientsBefore = agent.connection.clients();
  await ts.halt();
  const failures = (): number => log.text.split('Failed to synchronize with the server').length - 1;
  await eventually('a sync failure', () => (failures() >= 1 ? true : undefined));
  // The retry dials afresh (as SPIRE's agent releases its connection on errors) instead of reusing a channel in
  // grpc-js's reconnect backoff.
  await eventually('a fresh channel for the retry', () =>
    agent.connection.clients() !== clientsBefore ? true : undefined,
  );
  await new Promise((r) => setTimeout(r, 3500));
  expect(failures()).toBe(1);
  expect(leafOf(id)?.serialNumber).toBe(before.serialNumber);
  expect(agent.cache.match(uid0).identities.length).toBeGreaterThan(0);
  await ts.restart();
  await eventually(
    'recovery',
    () => (log.text.includes('Synchronization with the server recovered') ? true : undefined),
    90_000,
  );
  expect(leafOf(id)?.serialNumber).toBe(before.serialNumber);
});

test('an entry parented to a join token alias (token generate -spiffeID) reaches the agent', async () => {
  const alias = `spiffe://${TD}/node/alias`;
  await createEntry(ts.admin, { parentId: agentId, spiffeId: alias, selectors: [`spiffe_id:${agentId}`] });
  const res = await unary<{ entries: unknown[] }>((opts, cb) =>
    ts.admin.entry.ListEntries({ filter: { by_spiffe_id: wireId(alias) } }, opts, cb),
  );
  expect(res.entries.length).toBe(1);
  const id = await createEntry(ts.admin, {
    parentId: alias,
    spiffeId: `spiffe://${TD}/via/alias`,
    selectors: ['unix:uid:0'],
  });
  await eventually('the aliased entry SVID', () => leafOf(id));
});

test('federated bundles of trust domains an entry federates with reach the cache and its subscribers', async () => {
  const other = TestCa.create({ trustDomain: 'other.org' });
  const res = await unary<{ results: Array<{ status: { code: number; message: string } | null }> }>(
    (opts, cb) =>
      ts.admin.bundle.BatchCreateFederatedBundle(
        { bundle: [{ trust_domain: 'other.org', x509_authorities: [{ asn1: other.bundle()[0] }] }] },
        opts,
        cb,
      ),
  );
  expect(res.results[0].status?.code).toBe(0);
  await createEntry(ts.admin, {
    parentId: agentId,
    spiffeId: `spiffe://${TD}/sync/federated`,
    selectors: ['unix:uid:555'],
    federatesWith: ['other.org'],
  });
  const bundle = await eventually('the federated bundle', () => agent.cache.getFederatedBundle('other.org'));
  expect(bundle.x509Authorities[0].raw.equals(other.bundle()[0])).toBe(true);
  const view = await eventually('the identity', () => {
    const v = agent.cache.match([parseSelector('unix:uid:555')]);
    return v.identities.length > 0 ? v : undefined;
  });
  expect([...view.federatedBundles.keys()]).toEqual(['other.org']);
});
