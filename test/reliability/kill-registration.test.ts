/**
 * kill -9 of the server while many BatchCreateEntry calls are in flight, on SQLite and on PostgreSQL.
 *
 * "Acknowledged" means: the client received the BatchCreateEntry response and the entry's own result status is OK
 * (SPIRE's batch results are per item). After the restart every acknowledged entry must exist with the ID the
 * response gave. Lanyard writes one batch in one transaction, which is stricter than SPIRE (each entry on its
 * own): a batch whose response never arrived is either wholly present (committed, reply lost) or wholly absent,
 * never in part, and only batches in flight at the kill may be present without an acknowledgement.
 */
import * as path from 'node:path';
import { ServerUnderTest, createPostgresSchema, waitFor, type PostgresSchema } from '@lanyard/e2e';
import type { ServerApiClients } from '@lanyard/server';
import { FaultFigures, SOAK, iterations } from './figures';
import { TD, WAIT_MS, admin, batchCreate, listAllEntries, makeDir, wireEntry } from './harness';

jest.setTimeout(600_000);

const KILLS = iterations(2, 10);
const WRITERS = 4;
const BATCH = 50;
const PARENT = `spiffe://${TD}/bulk/parent`;

const figures = new FaultFigures(
  '### kill -9 of the server during bulk registration',
  `${SOAK ? 'make soak' : 'LANYARD_WRITE_RELIABILITY=1 npx jest'} test/reliability/kill-registration`,
  `${WRITERS} clients send BatchCreateEntry calls of ${BATCH} entries each on the admin socket without pause; the
server gets SIGKILL after a random number (3 to 12) of acknowledged batches, with calls still in flight, and is
restarted on the same data. "Acknowledged" = the response arrived and the entry's result was OK. Lanyard commits a
batch in one transaction: batches whose reply was lost are counted as committed or absent, never partial.`,
);

/** What happened to the batches of one kill. */
interface RunOutcome {
  acked: Map<string, string>;
  batches: Map<number, string[]>;
  inFlight: Set<number>;
}

let dir: string;
let schema: PostgresSchema | undefined;

beforeAll(() => {
  dir = makeDir('lanyard-rel-kill-reg-');
});

afterAll(async () => {
  await schema?.drop();
  figures.writeIfRequested(2);
});

/** Writers that keep calling BatchCreateEntry until one call fails (the server died). */
async function writeUntilKilled(
  clients: ServerApiClients,
  server: ServerUnderTest,
  run: number,
): Promise<RunOutcome> {
  const outcome: RunOutcome = { acked: new Map(), batches: new Map(), inFlight: new Set() };
  const killAfter = 3 + Math.floor(Math.random() * 10);
  let next = 0;
  let ackedBatches = 0;
  let killing: Promise<void> | undefined;
  const writer = async (): Promise<void> => {
    for (;;) {
      const batch = next++;
      const ids = Array.from({ length: BATCH }, (_, i) => `spiffe://${TD}/bulk/r${run}/b${batch}/e${i}`);
      outcome.batches.set(batch, ids);
      outcome.inFlight.add(batch);
      const entries = ids.map((id, i) => wireEntry(id, PARENT, `unix:uid:${10_000 + i}`));
      let results;
      try {
        results = await batchCreate(clients, entries);
      } catch {
        return; // the server is gone; this batch's fate is decided by the check below
      }
      outcome.inFlight.delete(batch);
      results.forEach((r, i) => {
        if (r.code === 0 && r.entryId) outcome.acked.set(ids[i], r.entryId);
      });
      ackedBatches += 1;
      if (ackedBatches === killAfter) killing = server.kill();
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
  await killing;
  return outcome;
}

/** Checks one run's batches against the entries found after the restart; returns the counts. */
function check(
  outcome: RunOutcome,
  found: Map<string, string[]>,
): { lost: number; committedUnacked: number } {
  let lost = 0;
  let committedUnacked = 0;
  for (const [id, entryId] of outcome.acked) if (!(found.get(id) ?? []).includes(entryId)) lost += 1;
  for (const [batch, ids] of outcome.batches) {
    const present = ids.filter((id) => found.has(id)).length;
    expect({ batch, present: present === 0 || present === ids.length }).toEqual({ batch, present: true });
    if (present > 0 && outcome.inFlight.has(batch)) committedUnacked += 1;
    if (present > 0)
      expect(outcome.inFlight.has(batch) || ids.every((id) => outcome.acked.has(id))).toBe(true);
    for (const id of ids) expect(found.get(id)?.length ?? 0).toBeLessThanOrEqual(1);
  }
  return { lost, committedUnacked };
}

async function killDuringRegistration(backend: 'SQLite' | 'PostgreSQL', postgresUrl?: string): Promise<void> {
  const server = await ServerUnderTest.start({ dir: path.join(dir, backend), trustDomain: TD, postgresUrl });
  let acked = 0;
  let lost = 0;
  let committedUnacked = 0;
  let inFlight = 0;
  try {
    for (let run = 0; run < KILLS; run += 1) {
      const clients = admin(server.socketPath);
      const outcome = await writeUntilKilled(clients, server, run);
      clients.close();
      expect(server.running).toBe(false);
      await server.run();
      const after = admin(server.socketPath);
      const found = await waitFor('the entry list', () => listAllEntries(after), WAIT_MS);
      after.close();
      const counts = check(outcome, found);
      acked += outcome.acked.size;
      lost += counts.lost;
      committedUnacked += counts.committedUnacked;
      inFlight += outcome.inFlight.size;
    }
  } finally {
    await server.stop();
  }
  expect(lost).toBe(0);
  expect(acked).toBeGreaterThan(0);
  figures.add({
    scenario: 'BatchCreateEntry in flight',
    backend,
    runs: KILLS,
    done: `${acked.toLocaleString('en-US')} entries acknowledged; ${inFlight} batches in flight at the kills, ${committedUnacked} of them found committed whole, the others absent whole`,
    lost,
  });
}

test('SQLite: every acknowledged entry survives kill -9, no batch is half-written', async () => {
  await killDuringRegistration('SQLite');
});

test('PostgreSQL: every acknowledged entry survives kill -9, no batch is half-written', async () => {
  schema = await createPostgresSchema('lanyard_rel_kill');
  await killDuringRegistration('PostgreSQL', schema.url);
});
