/**
 * Clock skew of ±5 minutes between server and agent. Each agent runs with a `--require` preload that shifts its
 * JavaScript clock (`clock-offset.js`; libfaketime is not installed here, and OpenSSL keeps the real time). A
 * workload with the real clock checks every SVID it is served against the server's bundle at its own time, and
 * the agent whose clock runs ahead must still rotate the SVID (it reaches half-life 5 minutes early). The agent
 * that runs behind renews 5 minutes late, which the 12-minute SVID lifetime covers; `make soak` waits for it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentUnderTest, ServerUnderTest, waitFor } from '@lanyard/e2e';
import { WorkloadApiClient } from '@lanyard/spiffe';
import { FaultFigures, SOAK } from './figures';
import {
  TD,
  WAIT_MS,
  admin,
  batchCreate,
  bundleAuthorities,
  chainProblem,
  makeDir,
  wireEntry,
} from './harness';

jest.setTimeout(1_200_000);

const SKEW_MS = 5 * 60_000;
const SVID_TTL = 720;
const SELECTOR = `unix:uid:${process.getuid?.() ?? 0}`;
const PRELOAD = path.join(__dirname, 'clock-offset.js');

const figures = new FaultFigures(
  '### Clock skew between server and agent',
  `${SOAK ? 'make soak' : 'LANYARD_WRITE_RELIABILITY=1 npx jest'} test/reliability/clock-skew`,
  `Two agents on one server, their JavaScript clocks shifted by +5 and −5 minutes with a \`--require\` preload
(no libfaketime here; OpenSSL's TLS time checks keep the real clock). Workload SVIDs live ${SVID_TTL / 60} minutes. A
workload with the real clock verifies each SVID against the server's bundle. The agent ahead reaches half-life 5
minutes early and rotates; the agent behind rotates 5 minutes late, still well before expiry (waited for only in
\`make soak\`).`,
);

let dir: string;
let server: ServerUnderTest;
const agents: AgentUnderTest[] = [];
const clients: WorkloadApiClient[] = [];

async function startSkewedAgent(label: string, offsetMs: number): Promise<WorkloadApiClient> {
  const nodeId = `spiffe://${TD}/skew/${label}`;
  const api = admin(server.socketPath);
  const [result] = await batchCreate(api, [wireEntry(`${nodeId}/workload`, nodeId, SELECTOR, SVID_TTL)]);
  api.close();
  expect(result.code).toBe(0);
  const agent = await AgentUnderTest.start({
    dir: path.join(dir, `agent-${label}`),
    serverPort: server.port,
    trustBundlePath: await server.writeBundle(),
    trustDomain: TD,
    joinToken: await server.joinToken(nodeId),
    syncInterval: '1s',
    nodeArgs: ['--require', PRELOAD],
    env: { LANYARD_CLOCK_OFFSET_MS: String(offsetMs) },
  });
  agents.push(agent);
  const client = new WorkloadApiClient({ address: agent.endpoint });
  clients.push(client);
  return client;
}

/** Waits for a served SVID that verifies against the bundle at the real time; returns its serial. */
async function validSerial(client: WorkloadApiClient, other?: string): Promise<string> {
  const api = admin(server.socketPath);
  const roots = await bundleAuthorities(api);
  api.close();
  return waitFor(
    other ? `an SVID other than serial ${other}` : 'a valid SVID',
    async () => {
      const ctx = await client.fetchX509Context({ signal: AbortSignal.timeout(5000) });
      const problem = chainProblem(ctx.defaultSvid.certificates, roots);
      if (problem) throw new Error(problem);
      const serial = ctx.defaultSvid.certificates[0].serialNumber;
      return serial === other ? undefined : serial;
    },
    other ? SVID_TTL * 1000 : WAIT_MS,
  );
}

beforeAll(async () => {
  dir = makeDir('lanyard-rel-skew-');
  server = await ServerUnderTest.start({
    dir: path.join(dir, 'server'),
    trustDomain: TD,
    extraServer: '    agent_ttl = "1h"',
  });
});

afterAll(async () => {
  for (const client of clients) client.close();
  for (const agent of agents) await agent.stop();
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  figures.writeIfRequested(2);
});

test('agent 5 minutes ahead: SVIDs validate with the real clock and rotate', async () => {
  const client = await startSkewedAgent('ahead', SKEW_MS);
  const first = await validSerial(client);
  const rotated = await validSerial(client, first);
  expect(rotated).not.toBe(first);
  expect(agents[0].log).not.toContain('Dropped expired X509-SVIDs');
  figures.add({
    scenario: 'agent clock +5 min',
    backend: 'SQLite',
    runs: 1,
    done: 'SVID served, verified with the real clock, rotated once (5 min early, as its clock says)',
    lost: 0,
  });
});

test('agent 5 minutes behind: SVIDs validate with the real clock (and rotate, in make soak)', async () => {
  const client = await startSkewedAgent('behind', -SKEW_MS);
  const first = await validSerial(client);
  if (SOAK) expect(await validSerial(client, first)).not.toBe(first);
  expect(agents[1].log).not.toContain('Dropped expired X509-SVIDs');
  figures.add({
    scenario: 'agent clock −5 min',
    backend: 'SQLite',
    runs: 1,
    done: SOAK
      ? 'SVID served, verified with the real clock, rotated once (5 min late, before expiry)'
      : 'SVID served and verified with the real clock',
    lost: 0,
  });
});
