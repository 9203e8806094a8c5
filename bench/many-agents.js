#!/usr/bin/env node
/**
 * Many agents: `--agents` simulated agents (this process, one mTLS channel each, real CSRs; see agent-fleet-harness.js)
 * against one `lanyard-server run` on SQLite, then against two `lanyard-server run` processes sharing one fresh
 * PostgreSQL database (created in 127.0.0.1:5432 as user postgres and dropped afterwards), agents split between
 * them. Each agent is attested for real with a join token (AttestAgent over TLS, 16 at a time) and gets
 * `--entries` entries.
 *
 * Phases per configuration: first sync (every agent signs all its entries' SVIDs), steady state for
 * `--steady` seconds (server CPU from /proc, sync latency of the attempts started in the window), then a restart:
 * the server processes get SIGTERM (SQLite) or SIGKILL (PostgreSQL), are started again at once, and the time
 * until 99 % and 100 % of the agents have completed a sync started after the signal is measured.
 * Unless `--no-cpu-prof` is given, the servers' main threads are profiled (one sample every 20 ms, which costs
 * them next to nothing): from before the steady window by a preloaded probe (`bench/cpu-profile-probe.js`, asked
 * over the IPC channel, so a server later killed with SIGKILL still leaves its profile), and after the restart under
 * `node --cpu-prof` until the end; the report summarizes the steady window and the reconnect storm.
 * `--keep-prof` keeps the profile files (path printed).
 * Writes the "## Many agents" section of docs/benchmarks.md.
 *
 * Usage: node bench/many-agents.js [--agents 1000] [--entries 5] [--interval 5] [--steady 10]
 *        [--only sqlite|postgres] [--no-watch] [--no-write] [--no-cpu-prof] [--keep-prof]
 */
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const h = require('./server-harness');
const { Fleet, SimAgent, checkHeldSvid } = require('./agent-fleet-harness');
const { createDatabase } = require('./postgres-database');
const { manyAgentsSection, writeManyAgentsSection } = require('./many-agents-report');
const { mergeSummaries, summarizeProfile, threadProfiles } = require('./cpu-profile-summary');

const args = h.cliArgs();
const AGENTS = args.num('agents', 1000, 5000);
const ENTRIES = args.num('entries', 5, 50);
const INTERVAL_MS = args.num('interval', 5, 60) * 1000;
const STEADY_MS = args.num('steady', 10, 300) * 1000;
const ONLY = (() => {
  const i = process.argv.indexOf('--only');
  return i >= 0 ? process.argv[i + 1] : undefined;
})();
const WATCH = !args.has('no-watch');
const WRITE = !args.has('no-write');
const PROFILE = !args.has('no-cpu-prof');
/** One sample every 20 ms: at 5 ms the sampling itself added about a third to the servers' CPU. */
const PROFILE_INTERVAL_US = 20_000;
const PROFILE_DIR = PROFILE ? fs.mkdtempSync(path.join(os.tmpdir(), 'lanyard-bench-many-prof-')) : undefined;
const PROFILE_PROBE = path.join(__dirname, 'cpu-profile-probe.js');
/** Each server process profiles into a directory of its own (kept on the server as `profileDir`). */
function newProfileDir(server) {
  server.profileDir = PROFILE ? fs.mkdtempSync(path.join(PROFILE_DIR, 'server-')) : undefined;
}
/** Spawns `server` with the profile probe preloaded (when profiling is on); `profileStart` and `profileStop` drive it. */
function spawnProbed(server) {
  newProfileDir(server);
  server.spawn(PROFILE ? ['-r', PROFILE_PROBE] : [], { ipc: PROFILE });
}
/** Spawns `server` under `node --cpu-prof` (when profiling is on): its profile is written as it exits. */
function spawnProfiled(server) {
  newProfileDir(server);
  server.spawn(h.profileFlags(PROFILE, { dir: server.profileDir, intervalUs: PROFILE_INTERVAL_US }));
}
/**
 * Starts profiling the main threads of `servers` (spawned by `spawnProbed`). Starting V8's profiler in a running
 * process records every compiled function first, a pause of its own: it is started before the window, whose
 * samples are picked out by time.
 */
async function profileStart(servers) {
  if (!PROFILE) return;
  await Promise.all(servers.map((s) => s.ask({ cmd: 'profile-start', intervalUs: PROFILE_INTERVAL_US })));
}
/** Stops the profiles `profileStart` began; resolves with their files ([] when profiling is off). */
async function profileStop(servers) {
  if (!PROFILE) return [];
  const file = (s) => path.join(s.profileDir, 'steady.cpuprofile');
  return Promise.all(servers.map(async (s) => (await s.ask({ cmd: 'profile-stop', file: file(s) })).file));
}
const ATTEST_CONCURRENCY = 16;
const CREATE_BATCH = 500;
const PHASE_TIMEOUT_MS = 300_000;

/**
 * Every simulated agent connects from 127.0.0.1, so SPIRE's per-IP limits (1 attestation/s, 500 CSRs/s) would
 * measure the limiter; they are off here (as in server-svid.js).
 */
const RATE_LIMITS_OFF = 'ratelimit {\n        attestation = false\n        signing = false\n    }';

/** Runs `fn(i)` for i in [0, n) with at most `limit` running at once. */
async function pool(n, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

/** Waits until every server's bundle holds `count` X.509 roots (sibling servers publish theirs); returns them. */
async function waitRoots(admins, count) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const all = await Promise.all(admins.map((a) => h.bundleRoots(a)));
    if (all.every((roots) => roots.length >= count)) return all[0];
    if (Date.now() > deadline)
      throw new Error(`bundles hold ${all.map((r) => r.length)} roots, want ${count}`);
    await h.delay(200);
  }
}

/** Attests AGENTS agents (agent i on server i % servers.length) and registers ENTRIES entries under each. */
async function attestAll(servers, admins, roots) {
  const svids = new Array(AGENTS);
  const t0 = h.nowMs();
  await pool(AGENTS, ATTEST_CONCURRENCY, async (i) => {
    const s = i % servers.length;
    svids[i] = await h.attestAgent(servers[s].port, roots, await h.joinToken(admins[s]));
  });
  const attestS = (h.nowMs() - t0) / 1000;
  const entries = svids.flatMap((svid, a) =>
    Array.from({ length: ENTRIES }, (_, e) =>
      h.wireEntry({
        spiffeId: `spiffe://${h.TRUST_DOMAIN}/fleet/agent${a}/w${e}`,
        parentId: svid.agentId,
        selectors: [{ type: 'unix', value: `uid:${1000 + e}` }],
      }),
    ),
  );
  for (let i = 0; i < entries.length; i += CREATE_BATCH) {
    await h.batchCreate(admins[(i / CREATE_BATCH) % admins.length], entries.slice(i, i + CREATE_BATCH));
  }
  return { svids, attestS };
}

const cpuOf = (servers) => servers.reduce((sum, s) => sum + h.processCpuSeconds(s.child.pid), 0);

/** Open file descriptors of a process and its soft `Max open files` limit (Linux /proc). */
function fdUsage(pid) {
  const open = fs.readdirSync(`/proc/${pid}/fd`).length;
  const m = /Max open files\s+(\d+|unlimited)/.exec(fs.readFileSync(`/proc/${pid}/limits`, 'utf8'));
  return { open, soft: m ? m[1] : 'unknown' };
}

/** First sync: every agent signs all its SVIDs; returns wall time and server CPU per SVID. */
async function firstSync(fleet, servers) {
  const cpu0 = cpuOf(servers);
  const t0 = h.nowMs();
  const ready = fleet.watchAgents((a) => a.agent.svids.size === ENTRIES, AGENTS, PHASE_TIMEOUT_MS);
  fleet.start();
  await ready.done;
  const wallS = (h.nowMs() - t0) / 1000;
  const signed = fleet.attempts.reduce((n, a) => n + (a.signed || 0), 0);
  const failed = fleet.attempts.filter((a) => !a.ok);
  if (failed.length > 0)
    console.log(`first sync: ${failed.length} failed attempts, e.g. ${failed[0].err.message}`);
  return { wallS, signed, cpuS: cpuOf(servers) - cpu0, failed: failed.length };
}

/** Steady state over STEADY_MS: server CPU, attempts started in the window, sync latency, fds. */
async function steady(fleet, servers) {
  await profileStart(servers);
  await h.delay(INTERVAL_MS); // one interval for the phases of the first sync to settle
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu0 = cpuOf(servers);
  const self0 = process.cpuUsage();
  const t0 = h.nowMs();
  await h.delay(STEADY_MS);
  const cpuS = cpuOf(servers) - cpu0;
  const t1 = h.nowMs();
  const self = process.cpuUsage(self0);
  loop.disable();
  const profileFiles = await profileStop(servers);
  const fds = servers.map((s) => fdUsage(s.child.pid));
  await h.delay(2000); // let the attempts started in the window finish before reading them
  const attempts = fleet.between(t0, t1);
  const ok = attempts.filter((a) => a.ok);
  const latencies = ok.map((a) => a.endMs - a.startMs);
  const windowS = (t1 - t0) / 1000;
  return {
    windowS,
    syncs: ok.length,
    listFetches: ok.filter((a) => a.listFetched).length,
    failed: attempts.length - ok.length,
    signed: ok.reduce((n, a) => n + a.signed, 0),
    cpuS,
    benchCpuS: (self.user + self.system) / 1e6,
    p50: h.percentile(latencies, 50),
    p99: h.percentile(latencies, 99),
    loopP99: loop.percentile(99) / 1e6,
    fds,
    fromMs: t0,
    toMs: t1,
    profileFiles,
    peakStartsPerS: fleet.peakStarts(t0, t1, 1000),
  };
}

/** Stops every server with `signal`, starts them again at once; times readiness and the agents' return. */
async function restart(fleet, servers, signal) {
  const t0 = h.nowMs();
  const back = fleet.watchAgents((a) => a.ok && a.startMs >= t0, AGENTS, PHASE_TIMEOUT_MS);
  await Promise.all(
    servers.map(async (s) => {
      s.child.kill(signal);
      await s.exited;
      spawnProfiled(s); // a profile of the reconnect storm too
    }),
  );
  const readyMs = Math.max(...(await Promise.all(servers.map((s) => s.waitReady(60_000, 10, t0)))));
  const cpu0 = cpuOf(servers);
  const times = (await back.done).map((t) => t - t0).sort((a, b) => a - b);
  const cpuS = cpuOf(servers) - cpu0;
  const after = fleet.attempts.filter((a) => a.startMs >= t0);
  const failed = after.filter((a) => !a.ok && a.endMs <= t0 + times[times.length - 1]);
  const codes = {};
  for (const a of failed) codes[a.code] = (codes[a.code] || 0) + 1;
  const perSecond = new Map();
  for (const t of times) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) || 0) + 1);
  return {
    signal,
    t0,
    stormDirs: servers.map((s) => s.profileDir),
    readyMs,
    p99Ms: h.percentile(times, 99),
    allMs: times[times.length - 1],
    failed: failed.length,
    codes,
    peakPerSecond: Math.max(...perSecond.values()),
    cpuS,
  };
}

/** One configuration: servers up, agents attested, first sync, steady state, restart; everything torn down. */
async function scenario({ label, serverCount, postgresUrl, signal }) {
  console.log(`\n== ${label}: ${AGENTS} agents, ${ENTRIES} entries each, sync every ${INTERVAL_MS / 1000} s`);
  const servers = [];
  let fleet;
  let result;
  const admins = [];
  try {
    for (let i = 0; i < serverCount; i++) {
      const server = await h.ServerProcess.create('lanyard-bench-many-', RATE_LIMITS_OFF, { postgresUrl });
      servers.push(server);
      spawnProbed(server);
      await server.waitReady(); // one after the other: the first creates the PostgreSQL schema
      admins.push(server.admin());
    }
    const roots = await waitRoots(admins, serverCount);
    const { svids, attestS } = await attestAll(servers, admins, roots);
    console.log(`attested ${AGENTS} agents in ${attestS.toFixed(1)} s`);
    const agents = svids.map(
      (svid, i) =>
        new SimAgent(i, svid, {
          port: servers[i % serverCount].port,
          roots,
          intervalMs: INTERVAL_MS,
          watch: WATCH,
        }),
    );
    fleet = new Fleet(agents);
    const first = await firstSync(fleet, servers);
    console.log(
      `first sync: ${first.signed} SVIDs in ${first.wallS.toFixed(1)} s, server CPU ${first.cpuS.toFixed(1)} s`,
    );
    checkHeldSvid(agents[0], roots);
    checkHeldSvid(agents[agents.length - 1], roots);
    const calm = await steady(fleet, servers);
    console.log('steady:', JSON.stringify(calm));
    const recovery = await restart(fleet, servers, signal);
    console.log('restart:', JSON.stringify(recovery));
    const refusedConnections = servers.some((s) => s.log.includes('too many open connections'));
    result = { label, serverCount, attestS, first, calm, recovery, refusedConnections };
  } finally {
    fleet?.stop();
    for (const admin of admins) admin.close();
    await Promise.all(servers.map((s) => s.destroy())); // the profiles are written as the servers exit
  }
  const { calm, recovery } = result;
  result.profiles = {
    steady: windowProfile(calm.profileFiles, calm.fromMs, calm.toMs),
    storm: windowProfile(
      recovery.stormDirs.map((dir) => dir && threadProfiles(dir).main),
      recovery.t0 + recovery.readyMs,
      recovery.t0 + recovery.allMs,
    ),
  };
  return result;
}

/** The request-path summary of the main-thread profiles in `files` over [fromMs, toMs]; undefined if none. */
function windowProfile(files, fromMs, toMs) {
  const present = files.filter((f) => f !== undefined);
  if (present.length === 0) return undefined;
  const windows = [[fromMs * 1000, toMs * 1000]];
  const summary = mergeSummaries(present.map((f) => summarizeProfile(f, { kind: 'request', windows })));
  return { servers: present.length, ...summary };
}

async function main() {
  const loadStart = h.loadavg();
  const started = h.nowMs();
  const results = [];
  if (ONLY !== 'postgres') {
    results.push(await scenario({ label: 'SQLite, 1 server', serverCount: 1, signal: 'SIGTERM' }));
  }
  if (ONLY !== 'sqlite') {
    const db = createDatabase();
    try {
      results.push(
        await scenario({
          label: 'PostgreSQL, 2 servers',
          serverCount: 2,
          postgresUrl: db.url,
          signal: 'SIGKILL',
        }),
      );
    } finally {
      db.drop();
    }
  }
  const totalS = (h.nowMs() - started) / 1000;
  console.log(`\nwhole run: ${totalS.toFixed(0)} s`);
  const settings = {
    agents: AGENTS,
    entries: ENTRIES,
    intervalMs: INTERVAL_MS,
    steadyMs: STEADY_MS,
    watch: WATCH,
    profileIntervalUs: PROFILE ? PROFILE_INTERVAL_US : undefined,
  };
  if (PROFILE && args.has('keep-prof')) console.log(`server CPU profiles kept in ${PROFILE_DIR}`);
  else if (PROFILE) fs.rmSync(PROFILE_DIR, { recursive: true, force: true });
  const run = { results, settings, loadStart, totalS };
  if (WRITE) writeManyAgentsSection(run);
  else console.log(`\n${manyAgentsSection(run)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
