#!/usr/bin/env node
/**
 * Server cold start with a large store: time from spawning `lanyard-server run` until the HTTP ready endpoint
 * answers 200 (polled every 10 ms; the health listener starts after the datastore, CA, entry cache and both
 * gRPC endpoints), until an attested agent's first SyncAuthorizedEntries over mTLS answers, and the server's RSS
 * then.
 *
 * Steps: start once (new CA keys on disk), attest one agent with a join token, stop; restart with only that
 * (baseline, same run); stop; fill the SQLite file to 100,000 entries (`--agent-entries` of them parented to the
 * agent, the rest to 1,000 other agent IDs; the first 20,000 through the datastore's batch create, the rest with
 * the bulk path of `entry-fill.js`), start twice and time both; fill up to `--entries` (default 1,000,000), start
 * twice more. With `--cpu-prof` the first start at the largest size runs under `node --cpu-prof` and the profile's
 * breakdown goes into the analysis. The floor `lanyard-server validate` (node start + CLI + config load) is timed
 * too. Writes the "Cold start" part of the "## Server end to end" section of docs/benchmarks.md.
 *
 * Usage: node bench/server-coldstart.js [--entries 1000000] [--agent-entries 100] [--no-write] [--cpu-prof]
 */
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./server-harness');
const { benchEntry, fillBulk, fillWithCreateEntries } = require('./entry-fill');
const { describeShares, summarizeProfile } = require('./cpu-profile-summary');

const args = h.cliArgs();
const ENTRIES = args.num('entries', 1_000_000, 2_000_000);
const AGENT_ENTRIES = args.num('agent-entries', 100, 10_000);
const SIZES = [...new Set([Math.min(100_000, ENTRIES), ENTRIES])];
const VIA_CREATE = Math.min(20_000, ENTRIES);
const RUNS = 2;
const WRITE = !args.has('no-write');
const PROFILE = args.has('cpu-prof');
/** Goals of the issue: ready in seconds and RSS in MiB, per store size. */
const GOALS = new Map([
  [100_000, { readyS: 5, rssMiB: undefined }],
  [1_000_000, { readyS: 15, rssMiB: 1536 }],
]);

/** Spawns the server and times ready and the first sync; returns ms since spawn and the server's RSS. */
async function timedStart(server, roots, agent, nodeFlags = []) {
  const t0 = h.nowMs();
  server.spawn(nodeFlags);
  const readyMs = await server.waitReady(300_000, 10, t0);
  const cpuAtReadyS = h.processCpuSeconds(server.child.pid);
  const clients = h.tlsClients(server.port, roots, agent);
  try {
    const res = await h.syncOnce(clients.entry);
    const syncMs = h.nowMs() - t0;
    const rssMiB = h.processRssBytes(server.child.pid) / 2 ** 20;
    return { readyMs, cpuAtReadyS, syncMs, rssMiB, synced: res.entries.length + res.entry_revisions.length };
  } finally {
    clients.close();
  }
}

/** `lanyard-server validate -config …`: node start, CLI and config load, no datastore. */
function validateMs(server) {
  const t = h.nowMs();
  const res = spawnSync(process.execPath, [h.SERVER_BIN, 'validate', '-config', server.configPath], {
    timeout: 30_000,
  });
  if (res.status !== 0) throw new Error(`validate failed: ${res.stderr}`);
  return h.nowMs() - t;
}

/** Fills the stopped server's file from `from` up to `to` entries; returns the seconds of each path. */
async function fillTo(server, agentId, from, to) {
  const make = (i) => benchEntry(i, agentId, AGENT_ENTRIES);
  const createTo = Math.max(from, Math.min(VIA_CREATE, to));
  const createS = createTo > from ? await fillWithCreateEntries(server.sqlitePath, from, createTo, make) : 0;
  const bulkS = to > createTo ? fillBulk(server.sqlitePath, createTo, to, make) : 0;
  console.log(`filled ${from}..${to}: createEntries ${createS.toFixed(1)} s, bulk ${bulkS.toFixed(1)} s`);
  return { createS, bulkS, created: createTo - from, bulk: to - createTo };
}

/** The newest `.cpuprofile` in `dir` written after `since` (epoch ms). */
function newestProfile(dir, since) {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f))
    .filter((f) => fs.statSync(f).mtimeMs >= since);
  return files.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
}

/** Two timed starts with `size` entries stored (the first profiled when asked for the largest size). */
async function measureSize(server, roots, agent, size) {
  const runs = [];
  for (let run = 0; run < RUNS; run++) {
    const profiled = PROFILE && run === 0 && size === ENTRIES;
    const since = Date.now();
    const flags = h.profileFlags(profiled);
    runs.push(await timedStart(server, roots, agent, flags));
    await server.stop();
    console.log(`${size} entries, run ${run + 1}:`, runs[run]);
    if (profiled) runs[run].profile = summarizeProfile(newestProfile(flags[1].split('=')[1], since));
    if (runs[run].synced !== AGENT_ENTRIES) throw new Error('agent did not receive its entries');
  }
  return { size, runs };
}

async function main() {
  const loadStart = h.loadavg();
  const server = await h.ServerProcess.create('lanyard-bench-cold-');
  try {
    const t0 = h.nowMs();
    await server.start();
    const firstStartMs = h.nowMs() - t0;
    const admin = server.admin();
    const roots = await h.bundleRoots(admin);
    const agent = await h.attestAgent(server.port, roots, await h.joinToken(admin));
    admin.close();
    await server.stop();
    const floorMs = validateMs(server);
    const empty = await timedStart(server, roots, agent);
    await server.stop();
    console.log(`first start ${h.ms(firstStartMs)}; validate ${h.ms(floorMs)}; empty store:`, empty);
    const fills = [];
    const sizes = [];
    let stored = 0;
    for (const size of SIZES) {
      fills.push(await fillTo(server, agent.agentId, stored, size));
      stored = size;
      sizes.push(await measureSize(server, roots, agent, size));
    }
    if (WRITE) writePart({ loadStart, firstStartMs, floorMs, empty, sizes, fills });
  } finally {
    await server.destroy();
  }
}

const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const best = (runs) => runs.reduce((a, b) => (b.readyMs < a.readyMs ? b : a));

/** Fill method, with the rates of both paths measured in this run. */
function fillText(fills) {
  const created = fills.reduce((n, f) => n + f.created, 0);
  const createS = fills.reduce((t, f) => t + f.createS, 0);
  const bulk = fills.reduce((n, f) => n + f.bulk, 0);
  const bulkS = fills.reduce((t, f) => t + f.bulkS, 0);
  const rate = (n, secs) => `${h.fmt(n / secs)} entries/s`;
  return (
    `The store was filled in the benchmark process: the first ${h.fmt(created)} entries through the datastore's ` +
    `batch create (\`createEntries\`, batches of 5,000: ${rate(created, createS)}), ` +
    (bulk > 0
      ? `the other ${h.fmt(bulk)} as the same rows (built by the datastore's own codec) with prepared INSERTs in ` +
        `one transaction (${rate(bulk, bulkS)}; no entry events are written for them). `
      : '') +
    'Each entry has 2 selectors (one shared by 1% of entries, one unique) and 1 DNS name, parented to 1,000 agents ' +
    `(${AGENT_ENTRIES} to the attested agent).`
  );
}

/** Goal sentences for one size, generated from its best run. */
function goalText({ size, runs }) {
  const goal = GOALS.get(size);
  if (goal === undefined) return '';
  const b = best(runs);
  const worstRss = Math.max(...runs.map((r) => r.rssMiB));
  const ready = b.readyMs / 1000;
  const parts = [
    `${h.fmt(size)} entries: ready in ${ready.toFixed(2)} s against a goal of ≤ ${goal.readyS} s (` +
      (ready <= goal.readyS
        ? `met, ${(goal.readyS - ready).toFixed(2)} s to spare)`
        : `**missed** by ${(ready - goal.readyS).toFixed(2)} s)`),
  ];
  if (goal.rssMiB !== undefined) {
    parts.push(
      `RSS after the first sync at most ${h.fmt(worstRss)} MiB against ≤ ${h.fmt(goal.rssMiB)} MiB (` +
        (worstRss <= goal.rssMiB ? 'met)' : `**missed** by ${h.fmt(worstRss - goal.rssMiB)} MiB)`),
    );
  }
  return `${parts.join('; ')}.`;
}

/** Per-entry cost above the empty store and how it scales between the sizes. */
function scalingText(empty, sizes) {
  const per = sizes.map(({ size, runs }) => {
    const b = best(runs);
    return {
      size,
      cpuUs: ((b.cpuAtReadyS - empty.cpuAtReadyS) * 1e6) / size,
      rssB: ((b.rssMiB - empty.rssMiB) * 2 ** 20) / size,
    };
  });
  const each = per.map(
    (p) =>
      `${h.fmt(p.size)} entries cost ${p.cpuUs.toFixed(1)} µs of server CPU and ${h.fmt(p.rssB)} bytes of RSS each`,
  );
  let text = `Above the empty store, ${each.join('; ')}.`;
  if (per.length > 1) {
    const [small, large] = [per[0], per[per.length - 1]];
    text +=
      ` From ${h.fmt(small.size)} to ${h.fmt(large.size)} entries the CPU per entry changes by ` +
      `${(((large.cpuUs - small.cpuUs) / small.cpuUs) * 100).toFixed(0)}% and the RSS per entry by ` +
      `${(((large.rssB - small.rssB) / small.rssB) * 100).toFixed(0)}% (0% would be linear).`;
  }
  return text;
}

function profileText(sizes) {
  const profiled = sizes.flatMap((x) => x.runs.map((r) => ({ size: x.size, r }))).find((x) => x.r.profile);
  if (profiled === undefined) return 'No CPU profile in this run (`--cpu-prof` adds one).';
  const { size, r } = profiled;
  return (
    `Where the server's CPU goes (\`--cpu-prof\` of run 1 at ${h.fmt(size)} entries, ${s(r.profile.busyMs)} of busy ` +
    `samples until exit, by self time): ${describeShares(r.profile)}.`
  );
}

function writePart({ loadStart, firstStartMs, floorMs, empty, sizes, fills }) {
  const row = (label, r) =>
    `| ${label} | ${s(r.readyMs)} | ${r.cpuAtReadyS.toFixed(2)} s | ${s(r.syncMs)} | ${h.fmt(r.rssMiB)} MiB |`;
  const text = [
    '### Cold start',
    '',
    `Measured ${new Date().toISOString().slice(0, 16)}Z by \`node bench/server-coldstart.js\` on ${h.machine()}, ` +
      `load average ${loadStart} at start, ${h.loadavg()} at end (compare with the empty-store baseline of the ` +
      'same run).',
    '',
    '`lanyard-server run` on SQLite, timed from spawn; "ready" = `GET /ready` on the health listener answers 200 ' +
      '(polled every 10 ms; it starts after datastore, CA, entry cache and both gRPC endpoints); "first sync" = ' +
      `then an attested agent's first SyncAuthorizedEntries over a new mTLS channel answers (${AGENT_ENTRIES} ` +
      `entries). ${fillText(fills)}`,
    '',
    '| start | ready (wall, from spawn) | server CPU used until ready | first sync answered | server RSS after sync |',
    '|---|---|---|---|---|',
    `| floor: \`lanyard-server validate\` (node + CLI + config, exits) | ${s(floorMs)} | | | |`,
    `| first start, empty store (creates CA keys) | ${s(firstStartMs)} | | | |`,
    row('restart, empty store (1 agent)', empty),
    ...sizes.flatMap(({ size, runs }) =>
      runs.map((r, i) => row(`restart, ${h.fmt(size)} entries (run ${i + 1})`, r)),
    ),
    '',
    [...sizes.map(goalText).filter((t) => t !== ''), scalingText(empty, sizes), profileText(sizes)].join(
      ' ',
    ) +
      ' Server CPU until ready is the load-independent figure; wall time on a shared box is CPU time plus waiting ' +
      'for a core.',
    '',
  ].join('\n');
  h.writeServerPart('### Cold start', text);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
