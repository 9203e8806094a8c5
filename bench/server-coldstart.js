#!/usr/bin/env node
/**
 * Server cold start with a large store: time from spawning `lanyard-server run` until the HTTP ready endpoint
 * answers 200 (polled every 10 ms; the health listener starts after the datastore, CA, entry cache and both
 * gRPC endpoints), and until an attested agent's first SyncAuthorizedEntries over mTLS answers.
 *
 * Steps: start once (new CA keys on disk), attest one agent with a join token, stop; restart with only that
 * (baseline, same run); stop; fill the SQLite file with `--entries` entries using the datastore's batch create
 * directly (`--agent-entries` of them parented to the agent, the rest to 1,000 other agent IDs); start twice
 * more and time both. The floor `lanyard-server validate` (node start + CLI + config load) is timed too.
 * Writes the "Cold start" part of the "## Server end to end" section of docs/benchmarks.md.
 *
 * Usage: node bench/server-coldstart.js [--entries 100000] [--agent-entries 100] [--no-write] [--cpu-prof]
 */
'use strict';

const { spawnSync } = require('node:child_process');
const h = require('./server-harness');

const args = h.cliArgs();
const ENTRIES = args.num('entries', 100_000, 1_000_000);
const AGENT_ENTRIES = args.num('agent-entries', 100, 10_000);
const FILL_BATCH = 5000;
const WRITE = !args.has('no-write');
const PROFILE = args.has('cpu-prof');
const { openDataStore } = h.requireBuilt('server/dist/datastore');

/** Spawns the server and times ready and the first sync; returns ms since spawn and the server's RSS. */
async function timedStart(server, roots, agent, nodeFlags = []) {
  const t0 = h.nowMs();
  server.spawn(nodeFlags);
  const readyMs = await server.waitReady(120_000, 10, t0);
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

/** Entry i: 2 selectors, 1 DNS name; the first AGENT_ENTRIES are the attested agent's. */
function entry(i, agentId) {
  return {
    spiffeId: `spiffe://${h.TRUST_DOMAIN}/ns/${i % 100}/sa/w${i}`,
    parentId: i < AGENT_ENTRIES ? agentId : `spiffe://${h.TRUST_DOMAIN}/spire/agent/k8s_psat/c1/${i % 1000}`,
    selectors: [
      { type: 'k8s', value: `ns:${i % 100}` },
      { type: 'k8s', value: `sa:w${i}` },
    ],
    x509SvidTtl: 3600,
    jwtSvidTtl: 300,
    dnsNames: [`w${i}.example.org`],
    federatesWith: [],
    admin: false,
    downstream: false,
    expiresAt: 0,
    storeSvid: false,
    hint: '',
  };
}

/** Fills the stopped server's SQLite file directly through the datastore's batch create. */
async function fill(sqlitePath, agentId) {
  const ds = await openDataStore({ databaseType: 'sqlite3', connectionString: sqlitePath });
  const t = h.nowMs();
  try {
    for (let from = 0; from < ENTRIES; from += FILL_BATCH) {
      const batch = [];
      for (let i = from; i < Math.min(from + FILL_BATCH, ENTRIES); i++) batch.push(entry(i, agentId));
      const results = await ds.createEntries(batch);
      if (results.some((r) => !r.ok)) throw new Error('createEntries failed');
    }
  } finally {
    await ds.close();
  }
  return (h.nowMs() - t) / 1000;
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
    console.log(`filling ${ENTRIES} entries…`);
    const fillS = await fill(server.sqlitePath, agent.agentId);
    console.log(`filled in ${fillS.toFixed(1)} s`);
    const full = [];
    for (let run = 0; run < 2; run++) {
      full.push(await timedStart(server, roots, agent, h.profileFlags(PROFILE && run === 0)));
      await server.stop();
      console.log(`${ENTRIES} entries, run ${run + 1}:`, full[run]);
    }
    if (full.some((r) => r.synced !== AGENT_ENTRIES)) throw new Error('agent did not receive its entries');
    if (WRITE) writePart({ loadStart, firstStartMs, floorMs, empty, full, fillS });
  } finally {
    await server.destroy();
  }
}

function writePart({ loadStart, firstStartMs, floorMs, empty, full, fillS }) {
  const n = h.fmt(ENTRIES);
  const row = (label, r) =>
    `| ${label} | ${h.ms(r.readyMs)} | ${r.cpuAtReadyS.toFixed(2)} s | ${h.ms(r.syncMs)} | ${h.fmt(r.rssMiB)} MiB |`;
  const bestRun = full.reduce((a, b) => (b.readyMs < a.readyMs ? b : a));
  const best = bestRun.readyMs;
  const text = [
    '### Cold start',
    '',
    `Measured ${new Date().toISOString().slice(0, 16)}Z by \`node bench/server-coldstart.js\` on ${h.machine()}, ` +
      `load average ${loadStart} at start, ${h.loadavg()} at end (shared box; compare with the empty-store ` +
      'baseline of the same run).',
    '',
    '`lanyard-server run` on SQLite, timed from spawn; "ready" = `GET /ready` on the health listener answers 200 ' +
      '(polled every 10 ms; it starts after datastore, CA, entry cache and both gRPC endpoints); "first sync" = ' +
      `then an attested agent's first SyncAuthorizedEntries over a new mTLS channel answers (${AGENT_ENTRIES} ` +
      `entries). The store was filled with the datastore's batch create in ${fillS.toFixed(1)} s (2 selectors, 1 DNS ` +
      'name per entry, parented to 1,000 agents).',
    '',
    '| start | ready (wall, from spawn) | server CPU used until ready | first sync answered | server RSS after sync |',
    '|---|---|---|---|---|',
    `| floor: \`lanyard-server validate\` (node + CLI + config, exits) | ${h.ms(floorMs)} | | | |`,
    `| first start, empty store (creates CA keys) | ${h.ms(firstStartMs)} | | | |`,
    row('restart, empty store (1 agent)', empty),
    ...full.map((r, i) => row(`restart, ${n} entries (run ${i + 1})`, r)),
    '',
    `With ${n} entries the server is ready in **${(best / 1000).toFixed(2)} s** wall (best of ${full.length}; ` +
      `the server process had used ${bestRun.cpuAtReadyS.toFixed(2)} s of CPU by then, ` +
      `${(bestRun.cpuAtReadyS - empty.cpuAtReadyS).toFixed(2)} s more than with an empty store). Goal (issue): ready in < 5 s ` +
      `with 100,000 entries. Where the time goes (\`--cpu-prof\` of one 100,000-entry start, 2026-11-24 07:29Z): ` +
      'about 31% executing the SQLite reads of `listAllEntriesForCache` (better-sqlite3 under kysely), 22% ' +
      'garbage collection, 16% building the in-memory authorized-entry index (Maps of Sets: parent → children ' +
      'and SPIFFE ID → entries, one Set per entry), 12% hydrating rows into entry objects, ~7% loading modules ' +
      'and protobuf definitions. Server CPU until ready is the load-independent figure; wall time on this shared ' +
      'box is CPU time plus waiting for a core.',
    '',
  ].join('\n');
  h.writeServerPart('### Cold start', text);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
