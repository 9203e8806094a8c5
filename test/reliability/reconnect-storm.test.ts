/**
 * 1,000 simulated agents (250 in the short variant) reconnecting at once. They attest one by one beforehand; then every one opens a new
 * mTLS channel and asks for its workload X509-SVID at the same moment. The server runs with a small signing
 * queue (`svid_signing_concurrency = 2`, `svid_signing_queue = 10`); a call refused with ResourceExhausted is
 * retried with the agent's jittered backoff (the limiter itself is unit-tested in server/test/api). Meanwhile a health probe on the admin socket must keep
 * answering, and in the end every agent holds an SVID that chains to the bundle.
 */
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import * as path from 'node:path';
import { unary } from '@lanyard/base/grpc';
import { ServerUnderTest } from '@lanyard/e2e';
import { FaultFigures, SOAK, iterations } from './figures';
import { TD, admin, batchCreate, bundleAuthorities, chainProblem, makeDir, wireEntry } from './harness';
import {
  CSRS_PER_CALL,
  attestSimulatedAgent,
  reconnectAndSign,
  workloadCsr,
  type SimulatedAgent,
} from './simulated-agent';

jest.setTimeout(1_200_000);

const AGENTS = iterations(250, 1000);
const STORMS = iterations(1, 3);
const QUEUE = 10;

const figures = new FaultFigures(
  '### Agents reconnecting at once',
  `${SOAK ? 'make soak' : 'LANYARD_WRITE_RELIABILITY=1 npx jest'} test/reliability/reconnect-storm`,
  `${AGENTS} simulated agents (join token, each with one workload entry) in this test process; each opens a new mTLS
channel and calls BatchNewX509SVID (${CSRS_PER_CALL} CSRs) at the same moment. The server runs with \`svid_signing_concurrency = 2\` and
\`svid_signing_queue = ${QUEUE}\`; refused calls are retried with the agent's backoff (2 s doubling to 60 s, 10 %
jitter). A gRPC health check on the admin socket runs every 500 ms throughout from a separate process (60 s deadline each).`,
);

let server: ServerUnderTest;
const agents: Array<{ agent: SimulatedAgent; entryId: string; csr: Buffer }> = [];
let roots: Buffer[] = [];

async function inBatches<T>(count: number, width: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) out[i] = await make(i);
  };
  await Promise.all(Array.from({ length: width }, worker));
  return out;
}

beforeAll(async () => {
  server = await ServerUnderTest.start({
    dir: path.join(makeDir('lanyard-rel-storm-'), 'server'),
    trustDomain: TD,
    extraServer: `    agent_ttl = "1h"\n    svid_signing_concurrency = 2\n    svid_signing_queue = ${QUEUE}`,
  });
  const api = admin(server.socketPath);
  roots = (await bundleAuthorities(api)).map((c) => c.raw);
  const tokens = await inBatches(AGENTS, 16, async () => {
    const res = await unary<{ value: string }>(
      (options, cb) =>
        api.agent.CreateJoinToken({ ttl: 3600, agent_id: null } as never, options, cb as never),
      60_000,
    );
    return res.value;
  });
  const attested = await inBatches(AGENTS, 8, (i) => attestSimulatedAgent(server.port, roots, tokens[i]));
  const results = await batchCreate(
    api,
    attested.map((a, i) => wireEntry(`spiffe://${TD}/storm/w${i}`, a.agentId, 'unix:uid:1001')),
  );
  api.close();
  results.forEach((r, i) => {
    expect(r.code).toBe(0);
    agents.push({ agent: attested[i], entryId: r.entryId!, csr: workloadCsr() });
  });
});

afterAll(async () => {
  await server?.stop();
  figures.writeIfRequested(1);
});

test(`${AGENTS} agents reconnect at once: the server stays healthy and every agent gets its SVID`, async () => {
  let refused = 0;
  let failed = 0;
  let probes = 0;
  let slowestProbe = 0;
  const probeErrors: string[] = [];
  let slowestStorm = 0;
  for (let storm = 0; storm < STORMS; storm += 1) {
    const probe = spawn(process.execPath, [path.join(__dirname, 'health-probe.js'), server.socketPath], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let probeOutput = '';
    probe.stdout.on('data', (chunk: Buffer) => (probeOutput += chunk.toString()));
    const probeExited = new Promise((resolve) => probe.on('exit', resolve));
    const started = Date.now();
    const outcomes = await Promise.all(
      agents.map(({ agent, entryId, csr }) =>
        reconnectAndSign(server.port, roots, agent, entryId, csr, started + 600_000),
      ),
    );
    slowestStorm = Math.max(slowestStorm, Date.now() - started);
    probe.stdin.end();
    await probeExited;
    for (const line of probeOutput.split('\n').filter((l) => l !== '')) {
      const result = JSON.parse(line) as { ok: boolean; ms?: number; error?: string };
      probes += 1;
      if (result.ok) slowestProbe = Math.max(slowestProbe, result.ms ?? 0);
      else probeErrors.push(result.error ?? 'unknown');
    }
    const bundle = roots.map((der) => new X509Certificate(der));
    const invalid = outcomes.filter((o) =>
      chainProblem(
        o.chain.map((c) => new X509Certificate(c)),
        bundle,
      ),
    );
    expect(invalid).toHaveLength(0);
    refused += outcomes.reduce((sum, o) => sum + o.refused, 0);
    failed += outcomes.reduce((sum, o) => sum + o.failed, 0);
  }
  expect(probeErrors).toEqual([]);
  expect(server.running).toBe(true);
  figures.add({
    scenario: `${AGENTS} agents call BatchNewX509SVID at once`,
    backend: 'SQLite',
    runs: STORMS,
    done: `${(AGENTS * STORMS * CSRS_PER_CALL).toLocaleString('en-US')} SVIDs issued, one per call verified; ${refused.toLocaleString('en-US')} calls refused with ResourceExhausted and retried, ${failed} other failures; all served within ${(slowestStorm / 1000).toFixed(0)} s; ${probes} health probes, all answered (slowest ${slowestProbe} ms)`,
    lost: 0,
  });
});
