/**
 * Pushed entry changes (`lanyard.agent.v1.EntryWatch`) between a real in-process server and agent, and the
 * fallbacks: a Lanyard agent against a server without the extension, and a poll-only (SPIRE-style) agent
 * against a Lanyard server. Agents that must be served by push alone poll every hour, so only the push can
 * deliver within the test's deadlines.
 */
import { X509Certificate } from 'node:crypto';
import { parseSelector } from '@lanyard/attestor-core';
import { unary } from '@lanyard/base/grpc';
import { Metrics } from '@lanyard/common';
import type { ServerApiClients } from '@lanyard/server';
import type { Agent } from '../../src/agent';
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
  type AgentHclOptions,
  type TestServer,
  type TestServerOptions,
} from '../harness';

jest.setTimeout(90_000);

interface Setup {
  ts: TestServer;
  agent: Agent;
  log: LogCapture;
  agentId: string;
  /** The server's metrics registry. */
  metrics: Metrics;
}

async function setUp(server: TestServerOptions, agentOptions: AgentHclOptions): Promise<Setup> {
  const metrics = new Metrics({ prefix: 'spire_server' });
  const ts = await startTestServer({ ...server, metrics });
  const log = new LogCapture();
  const agent = await startAgent(agentConfig(ts, agentDir(), await createToken(ts.admin), agentOptions), log);
  return { ts, agent, log, agentId: agent.identity.svid?.spiffeId ?? '', metrics };
}

/** {@link setUp}, then waits for the agent's EntryWatch stream. */
async function setUpWatching(server: TestServerOptions, agentOptions: AgentHclOptions): Promise<Setup> {
  const s = await setUp(server, agentOptions);
  await eventually('the entry watch', () => s.agent.syncLoop.watcher?.healthy || undefined);
  return s;
}

async function tearDown(setup: Setup | undefined): Promise<void> {
  await setup?.agent.stop();
  await setup?.ts.stop();
  await setup?.metrics.close();
}

/** The leaf of the entry's cached SVID, once it is there and chains to the agent's bundle. */
function verifiedLeaf(agent: Agent, entryId: string): X509Certificate | undefined {
  const svid = agent.cache.getSvid(entryId);
  if (!svid) return undefined;
  const leaf = new X509Certificate(svid.certChainDer[0]);
  const root = agent.cache.getBundle()?.x509Authorities[0];
  return root && leaf.verify(root.publicKey) ? leaf : undefined;
}

/** Creates `count` entries under `parentId` in one BatchCreateEntry; returns their IDs. */
async function createEntries(
  admin: ServerApiClients,
  parentId: string,
  prefix: string,
  count: number,
): Promise<string[]> {
  const entries = Array.from({ length: count }, (_, i) => ({
    parent_id: wireId(parentId),
    spiffe_id: wireId(`spiffe://${TD}/${prefix}/${i}`),
    selectors: [{ type: 'unix', value: `uid:${1000 + i}` }],
  }));
  const res = await unary<{
    results: Array<{ status: { code: number } | null; entry: { id: string } | null }>;
  }>((opts, cb) => admin.entry.BatchCreateEntry({ entries }, opts, cb));
  return res.results.map((r) => {
    if (r.status?.code !== 0 || !r.entry) throw new Error('entry create failed');
    return r.entry.id;
  });
}

describe('Lanyard agent and server: pushed changes', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setUpWatching({ entrySyncPageSize: 5 }, { syncInterval: '1h' });
  });
  afterAll(() => tearDown(s));

  test('a new entry is pushed and its SVID signed without waiting for the hourly poll', async () => {
    const spiffeId = `spiffe://${TD}/push/app`;
    const id = await createEntry(s.ts.admin, { parentId: s.agentId, spiffeId, selectors: ['unix:uid:0'] });
    const leaf = await eventually('the pushed SVID', () => verifiedLeaf(s.agent, id));
    expect(leaf.subjectAltName).toBe(`URI:${spiffeId}`);
    expect(
      s.agent.cache.match([parseSelector('unix:uid:0')]).identities.map((i) => i.entry.entryId),
    ).toContain(id);
    expect(s.ts.server.entryWatch?.size).toBe(1);
  });

  test('a subscriber sees the SVID of an entry created while it listens', async () => {
    const seen: string[][] = [];
    const sub = s.agent.cache.subscribe([parseSelector('unix:uid:4321')], (update) =>
      seen.push(update.identities.map((i) => i.entry.spiffeId)),
    );
    try {
      const spiffeId = `spiffe://${TD}/push/subscriber`;
      await createEntry(s.ts.admin, { parentId: s.agentId, spiffeId, selectors: ['unix:uid:4321'] });
      await eventually('an update carrying the SVID', () => seen.find((ids) => ids.includes(spiffeId)));
    } finally {
      sub.unsubscribe();
    }
  });

  test('a deleted entry is removed from the cache with its SVID', async () => {
    const id = await createEntry(s.ts.admin, {
      parentId: s.agentId,
      spiffeId: `spiffe://${TD}/push/doomed`,
      selectors: ['unix:uid:0'],
    });
    await eventually('the pushed SVID', () => verifiedLeaf(s.agent, id));
    await deleteEntry(s.ts.admin, id);
    await eventually('the removal', () => (s.agent.cache.getSvid(id) === undefined ? true : undefined));
    expect(s.agent.cache.entries().map((e) => e.entryId)).not.toContain(id);
  });

  test('a change larger than a page arrives in pages and is applied as one', async () => {
    const ids = await createEntries(s.ts.admin, s.agentId, 'paged', 12);
    await eventually('all 12 SVIDs', () => (ids.every((id) => verifiedLeaf(s.agent, id)) ? true : undefined));
    expect(s.log.text).toMatch(/Entry cache updated from a pushed change" added=12 /);
  });

  test('entries authorized through a child entry follow the push too', async () => {
    const nodeId = `spiffe://${TD}/push/node`;
    await createEntry(s.ts.admin, { parentId: s.agentId, spiffeId: nodeId, selectors: ['unix:uid:7'] });
    const child = await createEntry(s.ts.admin, {
      parentId: nodeId,
      spiffeId: `spiffe://${TD}/push/node/child`,
      selectors: ['unix:uid:8'],
    });
    await eventually('the child SVID', () => verifiedLeaf(s.agent, child));
  });
});

/** SyncAuthorizedEntries calls the server has answered, from its SPIRE-named RPC counter. */
async function entryListFetches(metrics: Metrics): Promise<number> {
  const text = await metrics.exposition();
  return text
    .split('\n')
    .filter((line) => line.startsWith('spire_server_rpc_entry_v1_entry_sync_authorized_entries{'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('periodic syncs while the stream is up', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setUpWatching({}, { syncInterval: '300ms' });
  });
  afterAll(() => tearDown(s));

  test('fetch the bundles but not the entry list, which the stream keeps current', async () => {
    const fetched = await eventually(
      'the first entry list',
      async () => (await entryListFetches(s.metrics)) || undefined,
    );
    const syncedBefore = s.agent.syncLoop.lastSuccess?.getTime() ?? 0;
    const id = await createEntry(s.ts.admin, {
      parentId: s.agentId,
      spiffeId: `spiffe://${TD}/light/app`,
      selectors: ['unix:uid:0'],
    });
    await eventually('the pushed SVID', () => verifiedLeaf(s.agent, id));
    await deleteEntry(s.ts.admin, id);
    await eventually('the pushed removal', () => (s.agent.cache.getSvid(id) ? undefined : true));
    await eventually('three more periodic syncs', () =>
      (s.agent.syncLoop.lastSuccess?.getTime() ?? 0) > syncedBefore + 900 ? true : undefined,
    );
    expect(await entryListFetches(s.metrics)).toBe(fetched);
  });
});

describe('a reopened stream', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setUpWatching({}, { syncInterval: '1h' });
  });
  afterAll(() => tearDown(s));

  test('is followed by a fetch of the entry list, as changes may have been missed meanwhile', async () => {
    const fetched = await eventually(
      'the first entry list',
      async () => (await entryListFetches(s.metrics)) || undefined,
    );
    s.ts.server.entryWatch?.end(s.agentId);
    await eventually('the stream to break', () => (s.agent.syncLoop.watcher?.healthy ? undefined : true));
    await eventually('the stream to reopen', () => s.agent.syncLoop.watcher?.healthy || undefined);
    await eventually('a fresh entry list', async () =>
      (await entryListFetches(s.metrics)) === fetched + 1 ? true : undefined,
    );
  });
});

describe('an agent backing off after a failed sync', () => {
  let s: Setup;
  beforeAll(async () => {
    // A 60 s interval: the first retry after a failure comes 120 s (±10 %) later.
    s = await setUpWatching({}, { syncInterval: '60s' });
  });
  afterAll(() => tearDown(s));

  test('syncs again as soon as its stream reaches the restarted server, not at its next retry', async () => {
    await s.ts.halt();
    await eventually('the stream to break', () => (s.agent.syncLoop.watcher?.healthy ? undefined : true));
    s.agent.syncLoop.kick();
    await eventually('a failed sync', () =>
      s.log.text.includes('Failed to synchronize with the server') ? true : undefined,
    );
    await s.ts.restart();
    await eventually(
      'recovery before the 108 s retry',
      () => (s.log.text.includes('Synchronization with the server recovered') ? true : undefined),
      60_000,
    );
    expect(s.agent.syncLoop.watcher?.healthy).toBe(true);
  }, 120_000);
});

describe('an evicted agent', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setUpWatching({}, { syncInterval: '1h' });
  });
  afterAll(() => tearDown(s));

  test('loses its watch at once and cannot open another', async () => {
    expect(s.ts.server.entryWatch?.size).toBe(1);
    await unary((opts, cb) => s.ts.admin.agent.DeleteAgent({ id: wireId(s.agentId) }, opts, cb));
    expect(s.ts.server.entryWatch?.size).toBe(0);
    await eventually('the agent to see its watch closed', () =>
      s.agent.syncLoop.watcher?.healthy ? undefined : true,
    );
    expect(s.ts.server.entryWatch?.size).toBe(0);
  });
});

describe('an agent evicted or banned through another server sharing the datastore', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setUpWatching({}, { syncInterval: '1h' });
  });
  afterEach(() => tearDown(s));

  // The datastore written directly, as another server would: only the node event tells this server.
  test('loses its watch once the node event arrives (evicted)', async () => {
    await s.ts.server.datastore.deleteNode(s.agentId);
    await eventually('the watch to end', () => (s.ts.server.entryWatch?.size === 0 ? true : undefined));
    await eventually('the agent to see its watch closed', () =>
      s.agent.syncLoop.watcher?.healthy ? undefined : true,
    );
    expect(s.ts.server.entryWatch?.size).toBe(0);
  });

  test('loses its watch once the node event arrives (banned)', async () => {
    const node = await s.ts.server.datastore.getNode(s.agentId);
    if (node === undefined) throw new Error('the agent is not attested');
    await s.ts.server.datastore.updateNode(
      { ...node, certSerialNumber: '', newCertSerialNumber: '' },
      { certSerialNumber: true, newCertSerialNumber: true },
    );
    await eventually('the watch to end', () => (s.ts.server.entryWatch?.size === 0 ? true : undefined));
    await eventually('the agent to see its watch closed', () =>
      s.agent.syncLoop.watcher?.healthy ? undefined : true,
    );
  });

  test('keeps its watch when its node changes otherwise, and still hears of new entries', async () => {
    await s.ts.server.datastore.setNodeSelectors(s.agentId, [parseSelector('lanyard:test:changed')]);
    const id = await createEntry(s.ts.admin, {
      parentId: s.agentId,
      spiffeId: `spiffe://${TD}/after-node-change`,
      selectors: ['unix:uid:0'],
    });
    await eventually('the pushed SVID', () => verifiedLeaf(s.agent, id));
    expect(s.ts.server.entryWatch?.size).toBe(1);
    expect(s.agent.syncLoop.watcher?.healthy).toBe(true);
  });
});

describe('a change above the push limit', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setUpWatching({ entryPushMaxEntries: 3, entrySyncPageSize: 4 }, { syncInterval: '1h' });
  });
  afterAll(() => tearDown(s));

  test('is announced as a resync, and the paged sync it triggers serves every entry', async () => {
    const ids = await createEntries(s.ts.admin, s.agentId, 'resync', 9);
    await eventually('all 9 SVIDs', () => (ids.every((id) => verifiedLeaf(s.agent, id)) ? true : undefined));
    expect(s.log.text).not.toContain('Entry cache updated from a pushed change');
  });
});

describe('Lanyard agent against a server without EntryWatch', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setUp({ pushEntryChanges: false }, {});
  });
  afterAll(() => tearDown(s));

  test('falls back to polling, says so once, and is still served', async () => {
    await eventually('the fallback notice', () =>
      s.log.text.includes('Server does not push entry changes') ? true : undefined,
    );
    const id = await createEntry(s.ts.admin, {
      parentId: s.agentId,
      spiffeId: `spiffe://${TD}/poll/app`,
      selectors: ['unix:uid:0'],
    });
    await eventually('the polled SVID', () => verifiedLeaf(s.agent, id));
    expect(s.agent.syncLoop.watcher?.healthy).toBe(false);
    expect(s.ts.server.entryWatch).toBeUndefined();
    expect(s.log.text.split('Server does not push entry changes').length - 1).toBe(1);
  });
});

describe('poll-only (SPIRE-style) agent against a Lanyard server', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setUp({ entrySyncPageSize: 7 }, { extra: '  lanyard_push_entry_changes = false' });
  });
  afterAll(() => tearDown(s));

  test('never opens the stream and is served by paged SyncAuthorizedEntries', async () => {
    expect(s.agent.syncLoop.watcher).toBeUndefined();
    const ids = await createEntries(s.ts.admin, s.agentId, 'spire-style', 40);
    await eventually('all 40 SVIDs', () => (ids.every((id) => verifiedLeaf(s.agent, id)) ? true : undefined));
    expect(s.ts.server.entryWatch?.size).toBe(0);
    await deleteEntry(s.ts.admin, ids[3]);
    await eventually('the polled removal', () =>
      s.agent.cache.entries().some((e) => e.entryId === ids[3]) ? undefined : true,
    );
    expect(s.agent.cache.entryCount).toBe(39);
    // Without the stream every sync fetches the list: the first, the one with the entries, the removal.
    expect(await entryListFetches(s.metrics)).toBeGreaterThanOrEqual(3);
  });
});
