#!/usr/bin/env node
/**
 * BatchCreateEntry through the admin API on the server's Unix socket, against a real `lanyard-server run`
 * child process on SQLite: batches of 100 and 500 (`--sizes`), `--entries` per size, one batch in flight.
 * Baseline in the same run: the datastore's own `createEntries` in this process on a fresh SQLite file
 * (same entries, batches of the same size), so the ratio shows what the API layer (gRPC over UDS, protobuf,
 * validation, entry cache refresh) costs on top of the store.
 * Writes the "BatchCreateEntry" part of the "## Server end to end" section of docs/benchmarks.md.
 *
 * Usage: node bench/server-batch-create.js [--entries 10000] [--no-write]
 */
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('./server-harness');

const args = h.cliArgs();
const ENTRIES = args.num('entries', 10_000, 200_000);
const SIZES = [100, 500];
const WRITE = !args.has('no-write');
const { openDataStore } = h.requireBuilt('server/dist/datastore');

/** Entry i of run `run`: 2 selectors (one shared per 100 entries), 1 DNS name, one of 100 parent agents. */
function fields(run, i) {
  return {
    spiffeId: `spiffe://${h.TRUST_DOMAIN}/r${run}/ns/${i % 100}/sa/w${i}`,
    parentId: `spiffe://${h.TRUST_DOMAIN}/spire/agent/join_token/a${i % 100}`,
    selectors: [
      { type: 'k8s', value: `ns:${i % 100}` },
      { type: 'k8s', value: `sa:r${run}w${i}` },
    ],
    dnsNames: [`w${i}.r${run}.example.org`],
  };
}

/** The same entry in the datastore's model. */
function modelEntry(run, i) {
  const f = fields(run, i);
  return {
    ...f,
    x509SvidTtl: 3600,
    jwtSvidTtl: 300,
    federatesWith: [],
    admin: false,
    downstream: false,
    expiresAt: 0,
    storeSvid: false,
    hint: '',
  };
}

/** Creates ENTRIES entries in batches of `size` with `create(batchOfIndexes)`; returns rate and latencies. */
async function timeBatches(size, create) {
  const latencies = [];
  const start = h.nowMs();
  for (let from = 0; from < ENTRIES; from += size) {
    const idx = Array.from({ length: Math.min(size, ENTRIES - from) }, (_, k) => from + k);
    const t = h.nowMs();
    await create(idx);
    latencies.push(h.nowMs() - t);
  }
  const seconds = (h.nowMs() - start) / 1000;
  return { rate: ENTRIES / seconds, p50: h.percentile(latencies, 50), p99: h.percentile(latencies, 99) };
}

/** Datastore baseline in this process on a fresh SQLite file. */
async function datastoreRate(size, run) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lanyard-bench-bc-ds-'));
  const ds = await openDataStore({ databaseType: 'sqlite3', connectionString: path.join(dir, 'ds.sqlite3') });
  try {
    return await timeBatches(size, async (idx) => {
      const results = await ds.createEntries(idx.map((i) => modelEntry(run, i)));
      if (results.some((r) => !r.ok)) throw new Error('datastore createEntries failed');
    });
  } finally {
    await ds.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const loadStart = h.loadavg();
  const server = await h.ServerProcess.create('lanyard-bench-bc-');
  const rows = [];
  try {
    await server.start();
    const admin = server.admin();
    await h.batchCreate(admin, [h.wireEntry(fields('warm', 0))]); // channel + JIT warm-up
    let run = 0;
    for (const size of SIZES) {
      run++;
      const base = await datastoreRate(size, run);
      const cpu0 = h.processCpuSeconds(server.child.pid);
      const api = await timeBatches(size, (idx) =>
        h.batchCreate(
          admin,
          idx.map((i) => h.wireEntry(fields(run, i))),
        ),
      );
      const cpu = h.processCpuSeconds(server.child.pid) - cpu0;
      rows.push({ size, api, base, cpuPerEntryUs: (cpu / ENTRIES) * 1e6 });
      console.log(
        `batch ${size}: API ${h.fmt(api.rate)} entries/s (p50 ${h.ms(api.p50)}, p99 ${h.ms(api.p99)}), ` +
          `datastore in-process ${h.fmt(base.rate)} entries/s, server CPU ${((cpu / ENTRIES) * 1e6).toFixed(0)} µs/entry`,
      );
    }
    const count = await h.unary((opts, cb) => admin.entry.CountEntries({}, opts, cb));
    if (Number(count.count) !== 1 + SIZES.length * ENTRIES) throw new Error(`count ${count.count}`);
    admin.close();
  } finally {
    await server.destroy();
  }
  writePart(rows, loadStart);
}

/** Goal (issue): entries per second through BatchCreateEntry on SQLite. */
const GOAL_RATE = 1000;

function writePart(rows, loadStart) {
  const text = [
    '### BatchCreateEntry on the admin socket',
    '',
    `Measured ${new Date().toISOString().slice(0, 16)}Z by \`node bench/server-batch-create.js\` on ${h.machine()}, ` +
      `load average ${loadStart} at start, ${h.loadavg()} at end (shared box; read the ratio column).`,
    '',
    `\`lanyard-server run\` child process on SQLite; ${h.fmt(ENTRIES)} entries per batch size (2 selectors, 1 DNS ` +
      'name each) sent with `BatchCreateEntry` over the admin Unix socket, one batch in flight. Baseline: the ' +
      "datastore's `createEntries` in the benchmark process on a fresh SQLite file, same entries and batch size, " +
      'measured right before.',
    '',
    '| batch size | BatchCreateEntry | per batch p50 / p99 | server CPU per entry | datastore `createEntries` in-process | API / datastore |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.size} | **${h.fmt(r.api.rate)} entries/s** | ${h.ms(r.api.p50)} / ${h.ms(r.api.p99)} | ` +
        `${r.cpuPerEntryUs.toFixed(0)} µs | ${h.fmt(r.base.rate)} entries/s | ${Math.round((r.api.rate / r.base.rate) * 100)}% |`,
    ),
    '',
    `Goal (issue): ≥ ${h.fmt(GOAL_RATE)} entries/s on SQLite: ` +
      rows
        .map(
          (r) =>
            `batches of ${r.size} ${r.api.rate >= GOAL_RATE ? 'met' : '**missed**'} (${h.fmt(r.api.rate)} entries/s, ` +
            `${Math.round((r.api.rate / r.base.rate) * 100)}% of the in-process datastore)`,
        )
        .join('; ') +
      '.',
    '',
  ].join('\n');
  if (WRITE) h.writeServerPart('### BatchCreateEntry on the admin socket', text);
  else console.log(`\n${text}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
