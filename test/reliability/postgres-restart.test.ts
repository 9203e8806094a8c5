/**
 * PostgreSQL restarted under load with an HA pair: two lanyard-server processes share one throw-away cluster
 * (never the machine's shared server), an agent syncs through server B, and clients keep creating entries through
 * both servers while PostgreSQL is stopped with `-m immediate` (a crash) and started again. Both servers must
 * reconnect by themselves, every acknowledged entry must be there afterwards (seen through both), and the
 * workload polling the agent must hold a valid SVID throughout.
 */
import * as path from 'node:path';
import { AgentUnderTest, ServerUnderTest, delay, waitFor } from '@lanyard/e2e';
import { WorkloadApiClient } from '@lanyard/spiffe';
import type { ServerApiClients } from '@lanyard/server';
import { FaultFigures, SOAK, iterations } from './figures';
import { TD, WAIT_MS, admin, batchCreate, listAllEntries, makeDir, wireEntry } from './harness';
import { ThrowawayPostgres } from './throwaway-postgres';

jest.setTimeout(900_000);

const NODE_ID = `spiffe://${TD}/pg/node`;
const SELECTOR = `unix:uid:${process.getuid?.() ?? 0}`;
const RESTARTS = iterations(2, 8);

const figures = new FaultFigures(
  '### PostgreSQL restarted under load (HA pair)',
  `${SOAK ? 'make soak' : 'LANYARD_WRITE_RELIABILITY=1 npx jest'} test/reliability/postgres-restart`,
  `Two servers on one throw-away PostgreSQL 15 cluster (own \`initdb\` as \`nobody\`, free port); an agent syncs through
server B (\`sync_interval = "1s"\`), a workload polls it every 200 ms. Two clients create entries through A and B
(batches of 10, without pause) while PostgreSQL is stopped with \`pg_ctl stop -m immediate\` and started again once
both clients have seen a failure. "Lost" counts acknowledged entries missing afterwards plus workload polls
without a valid SVID.`,
);

let dir: string;
let pg: ThrowawayPostgres;
let servers: ServerUnderTest[] = [];
let agent: AgentUnderTest | undefined;
let client: WorkloadApiClient | undefined;
const polls = { total: 0, bad: 0 };
let polling = true;
let poller: Promise<void> | undefined;

async function pollWorkload(): Promise<void> {
  while (polling) {
    polls.total += 1;
    try {
      const ctx = await client!.fetchX509Context({ signal: AbortSignal.timeout(5000) });
      if (Date.parse(ctx.defaultSvid.certificates[0].validTo) <= Date.now()) polls.bad += 1;
    } catch {
      polls.bad += 1;
    }
    await delay(200);
  }
}

/** A client that creates entries without pause until stopped; remembers what was acknowledged and what failed. */
function writer(api: ServerApiClients, label: string) {
  const state = { acked: new Map<string, string>(), failures: 0, errors: new Set<string>(), running: true };
  const done = (async () => {
    for (let batch = 0; state.running; batch += 1) {
      const ids = Array.from({ length: 10 }, (_, i) => `spiffe://${TD}/pg/${label}/b${batch}/e${i}`);
      try {
        const results = await batchCreate(
          api,
          ids.map((id) => wireEntry(id, NODE_ID, 'unix:uid:4242')),
          30_000,
        );
        results.forEach((r, i) =>
          r.code === 0 && r.entryId ? state.acked.set(ids[i], r.entryId) : undefined,
        );
      } catch (err) {
        state.failures += 1;
        state.errors.add((err as Error).message.split('\n')[0].slice(0, 160));
        await delay(200);
      }
    }
  })();
  return { state, done };
}

beforeAll(async () => {
  dir = makeDir('lanyard-rel-pgrestart-');
  pg = await ThrowawayPostgres.create();
  const start = (name: string) =>
    ServerUnderTest.start({
      dir: path.join(dir, name),
      trustDomain: TD,
      postgresUrl: pg.url,
      extraServer: '    agent_ttl = "1h"',
    });
  servers = [await start('server-a')];
  servers.push(await start('server-b'));
  const api = admin(servers[0].socketPath);
  const [entry] = await batchCreate(api, [wireEntry(`spiffe://${TD}/pg/workload`, NODE_ID, SELECTOR)]);
  api.close();
  expect(entry.code).toBe(0);
  agent = await AgentUnderTest.start({
    dir: path.join(dir, 'agent'),
    serverPort: servers[1].port,
    trustBundlePath: await servers[1].writeBundle(),
    trustDomain: TD,
    joinToken: await servers[0].joinToken(NODE_ID),
    syncInterval: '1s',
  });
  client = new WorkloadApiClient({ address: agent.endpoint });
  await waitFor(
    'the workload SVID',
    () => client!.fetchX509Context({ signal: AbortSignal.timeout(5000) }),
    WAIT_MS,
  );
  poller = pollWorkload();
});

afterAll(async () => {
  polling = false;
  await poller;
  client?.close();
  await agent?.stop();
  for (const server of servers) await server.stop();
  await pg?.destroy();
  figures.writeIfRequested(1);
});

test('crash-restart PostgreSQL under load: servers reconnect, no acknowledged entry lost, SVIDs keep being served', async () => {
  const apis = servers.map((s) => admin(s.socketPath));
  const writers = apis.map((api, i) => writer(api, `w${i}`));
  for (let restart = 0; restart < RESTARTS; restart += 1) {
    const before = writers.map((w) => w.state.failures);
    await waitFor(
      'some acknowledged writes',
      async () => (writers.every((w) => w.state.acked.size > 0) ? true : undefined),
      WAIT_MS,
    );
    await pg.crash();
    await waitFor(
      'both clients to see the outage',
      async () => (writers.every((w, i) => w.state.failures > before[i]) ? true : undefined),
      WAIT_MS,
    );
    await pg.start();
    const acked = writers.map((w) => w.state.acked.size);
    await waitFor(
      'writes to succeed again through both servers',
      async () => (writers.every((w, i) => w.state.acked.size > acked[i]) ? true : undefined),
      WAIT_MS,
    ).catch((err: Error) => {
      const notable = (log: string): string =>
        log
          .split('\n')
          .filter((l) => /error|exception|exited|uncaught/i.test(l))
          .slice(0, 15)
          .join('\n');
      throw new Error(
        `${err.message}\nrunning: ${servers.map((x) => x.running).join(',')}\nA:\n${notable(servers[0].log)}\nB:\n${notable(servers[1].log)}`,
      );
    });
  }
  for (const w of writers) w.state.running = false;
  await Promise.all(writers.map((w) => w.done));
  let lost = 0;
  for (const api of apis) {
    const found = await listAllEntries(api);
    for (const w of writers)
      for (const [id, entryId] of w.state.acked) if (!(found.get(id) ?? []).includes(entryId)) lost += 1;
  }
  for (const api of apis) api.close();
  expect(lost).toBe(0);
  expect(polls).toMatchObject({ bad: 0 });
  expect(servers.every((s) => s.running)).toBe(true);
  const acked = writers.reduce((sum, w) => sum + w.state.acked.size, 0);
  const errors = [...new Set(writers.flatMap((w) => [...w.state.errors]))];
  figures.add({
    scenario: 'pg_ctl stop -m immediate, then start, clients writing through both servers',
    backend: 'PostgreSQL 15',
    runs: RESTARTS,
    done: `${acked.toLocaleString('en-US')} entries acknowledged (checked through both servers); ${polls.total} workload polls, all with a valid SVID`,
    lost: lost + polls.bad,
    notes: `errors clients saw during the outage: ${errors.map((e) => `\`${e.replace(/\|/g, '/')}\``).join('; ')}`,
  });
});
