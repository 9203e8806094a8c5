/**
 * kill -9 of the server while agents sync and sign SVIDs, and around CA rotation (`ca_ttl = 150s`, so an X509 CA
 * is prepared ~80 s and activated ~130 s after the previous one; the server checks its schedule every 10 s). A workload (this process,
 * uid 0) polls the agent's Workload API throughout and keeps every SVID chain it was ever served. After every
 * restart each of those chains must verify against the restarted server's bundle (at the time it was issued),
 * and the workload must get an SVID for every registered entry: no SVID signed by a key missing from the bundle.
 */
import { execFileSync } from 'node:child_process';
import type { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentUnderTest, ServerUnderTest, waitFor } from '@lanyard/e2e';
import { WorkloadApiClient } from '@lanyard/spiffe';
import { FaultFigures, SOAK, iterations } from './figures';
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

jest.setTimeout(900_000);

const NODE_ID = `spiffe://${TD}/signing/node`;
const SELECTOR = `unix:uid:${process.getuid?.() ?? 0}`;
const ROTATIONS = iterations(1, 4);
const FIRST_ENTRIES = 20;
const SIGNING_BATCH = 100;

const figures = new FaultFigures(
  '### kill -9 of the server during SVID signing and CA rotation',
  `${SOAK ? 'make soak' : 'LANYARD_WRITE_RELIABILITY=1 npx jest'} test/reliability/kill-signing`,
  `One server (SQLite, \`ca_ttl = "150s"\`, \`default_x509_svid_ttl = "60s"\` (capped by the CA), \`agent_ttl = "1h"\`, capped by the CA) and one agent (\`sync_interval = "1s"\`).
A workload polls the Workload API every 250 ms and keeps every chain it is served. The server gets SIGKILL while the
agent signs ${SIGNING_BATCH} new entries, and right after it logs \`X509 CA prepared\` and \`X509 CA activated\`.
After each restart every chain the workload ever got is verified against the restarted server's bundle, and every
entry must be served again.`,
);

let dir: string;
let server: ServerUnderTest;
let agent: AgentUnderTest | undefined;
let client: WorkloadApiClient | undefined;
/** Every chain the workload was served, by leaf fingerprint. */
const served = new Map<string, readonly X509Certificate[]>();
let polling = true;
let poller: Promise<void> | undefined;
let entryCount = 0;

async function pollWorkload(): Promise<void> {
  while (polling) {
    try {
      const ctx = await client!.fetchX509Context({ signal: AbortSignal.timeout(5000) });
      for (const svid of ctx.svids) served.set(svid.certificates[0].fingerprint256, svid.certificates);
    } catch {
      // no SVID yet, or the agent is busy: the checks below decide
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function register(count: number, label: string): Promise<void> {
  const clients = admin(server.socketPath);
  const ids = Array.from({ length: count }, (_, i) => `spiffe://${TD}/signing/${label}/w${i}`);
  const results = await batchCreate(
    clients,
    ids.map((id) => wireEntry(id, NODE_ID, SELECTOR, 60)),
  );
  clients.close();
  expect(results.filter((r) => r.code !== 0)).toEqual([]);
  entryCount += count;
}

/** Restarts the killed server, then checks every chain ever served and that every entry is served again. */
async function restartAndVerify(): Promise<{ chains: number }> {
  expect(server.running).toBe(false);
  await server.run();
  const clients = admin(server.socketPath);
  const roots = await bundleAuthorities(clients);
  clients.close();
  const bad: string[] = [];
  for (const chain of served.values()) {
    const issuedAt = new Date(Date.parse(chain[0].validFrom) + 1000);
    const problem = chainProblem(chain, roots, issuedAt);
    if (problem) bad.push(`${chain[0].subjectAltName ?? ''}: ${problem}`);
  }
  expect(bad).toEqual([]);
  const ctx = await waitFor(
    `all ${entryCount} SVIDs served and valid`,
    async () => {
      const now = await client!.fetchX509Context({ signal: AbortSignal.timeout(5000) });
      const valid = now.svids.filter((s) => chainProblem(s.certificates, roots) === undefined);
      return valid.length === entryCount ? now : undefined;
    },
    WAIT_MS,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\nagent log (tail):\n${agent!.log.slice(-4000)}`);
  });
  const sample = path.join(dir, 'sample');
  fs.writeFileSync(`${sample}.pem`, ctx.defaultSvid.certificates.map((c) => c.toString()).join(''));
  fs.writeFileSync(`${sample}-bundle.pem`, roots.map((c) => c.toString()).join(''));
  const verify = execFileSync('openssl', [
    'verify',
    '-CAfile',
    `${sample}-bundle.pem`,
    '-untrusted',
    `${sample}.pem`,
    `${sample}.pem`,
  ]).toString();
  expect(verify).toContain(': OK');
  return { chains: served.size };
}

/** Waits until the server log (since `from`) contains `text`, then kills the server at once. */
async function killOnLog(text: string, from: number): Promise<void> {
  await waitFor(
    `"${text}" in the server log`,
    async () => (server.log.indexOf(text, from) >= 0 ? true : undefined),
    120_000,
  );
  await server.kill();
}

beforeAll(async () => {
  dir = makeDir('lanyard-rel-kill-sign-');
  server = await ServerUnderTest.start({
    dir: path.join(dir, 'server'),
    trustDomain: TD,
    defaultX509SvidTtl: '60s',
    // The agent's own SVID outlives a restart on a busy box (join token agents cannot re-attest); the CA's
    // expiry still caps it, and 1/6 of ca_ttl (25 s) is left when the next CA is activated.
    extraServer: '    ca_ttl = "150s"\n    agent_ttl = "1h"',
  });
  agent = await AgentUnderTest.start({
    dir: path.join(dir, 'agent'),
    serverPort: server.port,
    trustBundlePath: await server.writeBundle(),
    trustDomain: TD,
    joinToken: await server.joinToken(NODE_ID),
    syncInterval: '1s',
  });
  client = new WorkloadApiClient({ address: agent.endpoint });
  poller = pollWorkload();
});

afterAll(async () => {
  polling = false;
  await poller;
  client?.close();
  await agent?.stop();
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  figures.writeIfRequested(2);
});

test('kill -9 while the agent signs new entries: every SVID served chains to the bundle after restart', async () => {
  await register(FIRST_ENTRIES, 'first');
  await waitFor('the first SVIDs', async () => (served.size >= FIRST_ENTRIES ? true : undefined), WAIT_MS);
  const before = served.size;
  await register(SIGNING_BATCH, 'burst');
  await waitFor('the agent to start signing', async () => (served.size > before ? true : undefined), WAIT_MS);
  await server.kill();
  const { chains } = await restartAndVerify();
  figures.add({
    scenario: 'agent signing a burst of new entries',
    backend: 'SQLite',
    runs: 1,
    done: `${entryCount} entries served again; ${chains} distinct chains verified`,
    lost: 0,
  });
});

test('kill -9 right after X509 CA prepared and right after activated: no SVID from a key outside the bundle', async () => {
  let kills = 0;
  for (let i = 0; i < ROTATIONS; i += 1) {
    for (const event of ['X509 CA prepared', 'X509 CA activated']) {
      await killOnLog(event, server.log.length);
      kills += 1;
      await restartAndVerify();
    }
  }
  figures.add({
    scenario: 'CA rotation: kill right after "prepared" and after "activated"',
    backend: 'SQLite',
    runs: kills,
    done: `${entryCount} entries served after every restart; ${served.size} distinct chains verified after each`,
    lost: 0,
  });
});
