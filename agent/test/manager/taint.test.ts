/**
 * X.509 authority rotation on a real server: after `prepare`, `activate` and `taint` of the old authority, the
 * agent replaces its own SVID and the workload SVIDs issued under the tainted authority at the next sync (long
 * before half-life), and keeps syncing once the old authority is revoked.
 */
import { X509Certificate } from 'node:crypto';
import { unary } from '@lanyard/base/grpc';
import type { Agent } from '../../src/agent';
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
  type TestServer,
} from '../harness';

jest.setTimeout(120_000);

let ts: TestServer;
let agent: Agent;
let log: LogCapture;

beforeAll(async () => {
  ts = await startTestServer();
  log = new LogCapture('info');
  agent = await startAgent(agentConfig(ts, agentDir(), await createToken(ts.admin)), log);
});
afterAll(async () => {
  await agent?.stop();
  await ts?.stop();
});

interface AuthorityState {
  authority_id: string;
}

const leaf = (chain: readonly Buffer[]): X509Certificate => new X509Certificate(chain[0]);

test('SVIDs issued under a tainted X.509 authority are replaced at once; the agent keeps syncing after revocation', async () => {
  const entryId = await createEntry(ts.admin, {
    parentId: agent.identity.svid?.spiffeId ?? '',
    spiffeId: `spiffe://${TD}/taint/app`,
    selectors: ['unix:uid:0'],
  });
  const first = await eventually('the first SVID', () => agent.cache.getSvid(entryId));
  const oldRoot = agent.cache.getBundle()!.x509Authorities[0];
  expect(leaf(first.certChainDer).verify(oldRoot.publicKey)).toBe(true);

  const la = ts.admin.localAuthority;
  const prepared = await unary<{ prepared_authority: AuthorityState | null }>((opts, cb) =>
    la.PrepareX509Authority({}, opts, cb),
  );
  const newRoot = await eventually('the prepared authority in the agent bundle', () =>
    agent.cache.getBundle()!.x509Authorities.find((c) => !c.raw.equals(oldRoot.raw)),
  );
  const activate = { authority_id: prepared.prepared_authority!.authority_id };
  await unary((opts, cb) => la.ActivateX509Authority(activate, opts, cb));
  const state = await unary<{ old: AuthorityState | null }>((opts, cb) =>
    la.GetX509AuthorityState({}, opts, cb),
  );
  expect(state.old).not.toBeNull();
  const old = { authority_id: state.old!.authority_id };
  await unary((opts, cb) => la.TaintX509Authority(old, opts, cb));

  const rotated = await eventually('a workload SVID from the new authority', () => {
    const svid = agent.cache.getSvid(entryId);
    return svid && leaf(svid.certChainDer).verify(newRoot.publicKey) ? svid : undefined;
  });
  // The default TTL is an hour: only the taint can explain a renewal this early.
  expect(Date.now()).toBeLessThan(first.renewAt.getTime());
  // Issued later (times have one-second precision, so a replacement within the same second may tie).
  expect(rotated.expiresAt.getTime()).toBeGreaterThanOrEqual(first.expiresAt.getTime());
  await eventually('an agent SVID from the new authority', () =>
    leaf(agent.identity.svid!.certChainDer).verify(newRoot.publicKey) ? true : undefined,
  );
  expect(log.text).toContain('X.509 authorities are tainted; rotating the SVIDs they issued');

  await unary((opts, cb) => la.RevokeX509Authority(old, opts, cb));
  await eventually('the revoked authority gone from the agent bundle', () =>
    agent.cache.getBundle()!.x509Authorities.every((c) => !c.raw.equals(oldRoot.raw)) ? true : undefined,
  );
  const synced = agent.syncLoop.lastSuccess!.getTime();
  await eventually('another successful sync', () =>
    agent.syncLoop.lastSuccess!.getTime() > synced ? true : undefined,
  );
});
