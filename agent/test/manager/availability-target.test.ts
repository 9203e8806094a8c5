import { X509Certificate } from 'node:crypto';
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

jest.setTimeout(60_000);

const HOUR_S = 3600;
let ts: TestServer;
let agent: Agent;
let log: LogCapture;

beforeAll(async () => {
  // A CA that outlives 40-hour SVIDs, so availability_target = 24h can apply (grace period 16 h > 12 h).
  ts = await startTestServer({ caTtlSeconds: 100 * HOUR_S, agentTtlSeconds: 40 * HOUR_S });
  log = new LogCapture();
  const config = agentConfig(ts, agentDir(), await createToken(ts.admin), {
    extra: '  availability_target = "24h"',
  });
  agent = await startAgent(config, log);
});
afterAll(async () => {
  await agent.stop();
  await ts.stop();
});

function agentId(): string {
  return agent.identity.svid?.spiffeId ?? '';
}

test('a workload SVID is due when 24 h of validity remain (plus at most 10 min jitter), before half-life', async () => {
  const id = await createEntry(ts.admin, {
    parentId: agentId(),
    spiffeId: `spiffe://${TD}/avail/long`,
    selectors: ['unix:uid:0'],
    x509SvidTtl: 40 * HOUR_S,
  });
  const svid = await eventually('the SVID', () => agent.cache.getSvid(id));
  const leaf = new X509Certificate(svid.certChainDer[0]);
  const remainingAtRenewal = Date.parse(leaf.validTo) - svid.renewAt.getTime();
  expect(remainingAtRenewal).toBeGreaterThanOrEqual(24 * HOUR_S * 1000);
  expect(remainingAtRenewal).toBeLessThanOrEqual(24 * HOUR_S * 1000 + 10 * 60_000);
  expect(log.text).not.toContain("isn't long enough to guarantee the availability_target");
});

test("a lifetime too short for the target falls back to half-life, with SPIRE's warning", async () => {
  const id = await createEntry(ts.admin, {
    parentId: agentId(),
    spiffeId: `spiffe://${TD}/avail/short`,
    selectors: ['unix:uid:0'],
    x509SvidTtl: HOUR_S,
  });
  const svid = await eventually('the SVID', () => agent.cache.getSvid(id));
  const lifetime = svid.expiresAt.getTime() - svid.issuedAt.getTime();
  expect(svid.renewAt.getTime() - svid.issuedAt.getTime()).toBeGreaterThanOrEqual(0.45 * lifetime);
  await eventually('the fallback warning', () =>
    log.text.includes(
      "X509 SVID lifetime isn't long enough to guarantee the availability_target, falling back to the default rotation strategy",
    )
      ? true
      : undefined,
  );
});

test('the agent SVID is renewed once only 24 h of its validity remain, before its half-life', async () => {
  const before = agent.identity.svid;
  if (!before) throw new Error('agent has no SVID');
  const lifetime = before.expiresAt.getTime() - before.issuedAt.getTime();
  // 40 h from now, and notBefore backdated a few seconds for clock skew.
  expect(lifetime).toBeGreaterThanOrEqual(40 * HOUR_S * 1000);
  expect(lifetime).toBeLessThan(40 * HOUR_S * 1000 + 60_000);
  await agent.identity.rotateIfNeeded(new Date(before.issuedAt.getTime() + 15 * HOUR_S * 1000));
  expect(agent.identity.svid).toBe(before);
  await agent.identity.rotateIfNeeded(new Date(before.issuedAt.getTime() + 17 * HOUR_S * 1000));
  const after = agent.identity.svid;
  expect(after).not.toBe(before);
  expect(after?.spiffeId).toBe(before.spiffeId);
});
