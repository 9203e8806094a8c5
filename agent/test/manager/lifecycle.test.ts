import { unary } from '@lanyard/base/grpc';
import { EntrySynchronizer, ServerConnection, attestAgent } from '../../src';
import { JoinTokenAgentAttestor } from '@lanyard/attestor-join-token/agent';
import {
  LogCapture,
  TD,
  agentConfig,
  agentDir,
  createEntry,
  createToken,
  eventually,
  startAgent,
  startTestServer,
  wireId,
  type TestServer,
} from '../harness';
import * as fs from 'node:fs';
import { X509Certificate } from 'node:crypto';

jest.setTimeout(60_000);

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ agentTtlSeconds: 20 });
});
afterAll(async () => {
  await ts.stop();
});

test('the agent SVID is renewed at half-life and sync keeps working with the new one', async () => {
  const log = new LogCapture();
  const agent = await startAgent(agentConfig(ts, agentDir(), await createToken(ts.admin)), log);
  try {
    const first = agent.identity.svid!;
    const renewed = await eventually(
      'renewal',
      () => (agent.identity.svid !== first ? agent.identity.svid : undefined),
      30_000,
    );
    expect(renewed.spiffeId).toBe(first.spiffeId);
    expect(log.text).toContain('Renewed agent SVID');
    const id = await createEntry(ts.admin, {
      parentId: first.spiffeId,
      spiffeId: `spiffe://${TD}/after/renewal`,
      selectors: ['unix:uid:0'],
    });
    await eventually('an SVID signed over the renewed channel', () => agent.cache.getSvid(id));
  } finally {
    await agent.stop();
  }
});

test('an evicted join-token agent cannot re-attest and stops with a clear error', async () => {
  const log = new LogCapture();
  const agent = await startAgent(agentConfig(ts, agentDir(), await createToken(ts.admin)), log);
  try {
    const id = agent.identity.svid!.spiffeId;
    await unary((opts, cb) => ts.admin.agent.DeleteAgent({ id: wireId(id) }, opts, cb));
    const err = await agent.fatal;
    expect(err.message).toMatch(/agent is no longer attested and its node attestor cannot re-attest/);
    expect(log.text).toContain('Agent cannot continue');
  } finally {
    await agent.stop();
  }
});

test('a banned agent stops with an error naming the ban', async () => {
  const token = await createToken(ts.admin);
  const log = new LogCapture();
  const agent = await startAgent(agentConfig(ts, agentDir(), token), log);
  try {
    await unary((opts, cb) =>
      ts.admin.agent.BanAgent({ id: wireId(agent.identity.svid!.spiffeId) }, opts, cb),
    );
    const err = await agent.fatal;
    expect(err.message).toMatch(
      /^agent is banned: .*rpc error: code = PermissionDenied desc = agent ".*\/join_token\/<redacted>" is banned$/,
    );
    expect(log.text).not.toContain(token);
  } finally {
    await agent.stop();
  }
});

test('sparse sync: more than one page of entries arrives by revision, and later only changed ones are fetched', async () => {
  const connection = new ServerConnection('127.0.0.1', ts.port, TD);
  try {
    const roots = [new X509Certificate(fs.readFileSync(ts.bundlePath)).raw];
    connection.setRoots(roots);
    const svid = await attestAgent(
      connection.clients(),
      new JoinTokenAgentAttestor(await createToken(ts.admin)),
      TD,
    );
    connection.setSvid(svid);
    const entries = Array.from({ length: 520 }, (_, i) => ({
      parent_id: wireId(svid.spiffeId),
      spiffe_id: wireId(`spiffe://${TD}/bulk/${i}`),
      selectors: [{ type: 'unix', value: `uid:${10000 + i}` }],
    }));
    await unary((opts, cb) => ts.admin.entry.BatchCreateEntry({ entries }, opts, cb));
    const sync = new EntrySynchronizer();
    const all = await eventually('all entries', async () => {
      const got = await sync.sync(connection.clients());
      return got.length === 520 ? got : undefined;
    });
    expect(new Set(all.map((e) => e.spiffeId)).size).toBe(520);
    const again = await sync.sync(connection.clients());
    expect(again.length).toBe(520);
    // Unchanged entries are reused from the previous sync (same objects), proving only IDs were compared.
    const before = new Map(all.map((e) => [e.entryId, e]));
    expect(again.every((e) => before.get(e.entryId) === e)).toBe(true);
  } finally {
    connection.close();
  }
});

test('an expired join-token agent SVID cannot be renewed (a new token is needed)', async () => {
  const agent = await startAgent(agentConfig(ts, agentDir(), await createToken(ts.admin)), new LogCapture());
  try {
    const later = new Date(agent.identity.svid!.expiresAt.getTime() + 1000);
    await expect(agent.identity.rotateIfNeeded(later)).rejects.toThrow(
      'agent SVID has expired and cannot be renewed',
    );
  } finally {
    await agent.stop();
  }
});
