#!/usr/bin/env node
/**
 * Agent memory benchmark: resident memory a `lanyard-agent run` process needs per cached X.509-SVID.
 *
 * A `lanyard-server run` child process (SQLite, signing rate limit off) and a `lanyard-agent run` child process
 * (join token, `x509_svid_cache_max_size` above the entry count, default `sync_interval`) started with
 * `--expose-gc -r bench/agent-memory-probe.js`: over the IPC channel the probe forces full garbage collections
 * and answers `process.memoryUsage()`, or writes a heap snapshot. No workload connects (the Workload API is not
 * what is measured): entries carry Kubernetes selectors nobody attests.
 * 1. Baseline: agent attested and synced with no entries; GC; memory.
 * 2. For each step (10,000 then 100,000 entries in total): entries parented to the agent are written into the
 *    server's SQLite file with the datastore's batch create (the running server picks them up from its event
 *    tables); wait until the agent's `Debug.GetInfo` (admin socket) counts that many cached X.509-SVIDs; GC;
 *    memory. Growth per SVID = (after − baseline) / SVIDs cached.
 * 3. When a step misses the goal, a heap snapshot of the agent after the last step is broken down by constructor
 *    (taken after every measurement, since writing it grows the agent's RSS).
 * Writes the "## Agent memory" section of docs/benchmarks.md.
 *
 * Usage: node bench/agent-memory.js [--steps 10000,100000] [--no-write] [--snapshot]
 */
'use strict';

const crypto = require('node:crypto');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { setTimeout, clearTimeout } = require('node:timers');
const h = require('./server-harness');
const { heapClassBreakdown } = require('./heap-snapshot-classes');

const args = h.cliArgs();
const STEPS = stepsArg(process.argv, [10_000, 100_000]);
const WRITE = !args.has('no-write');
const FORCE_SNAPSHOT = args.has('snapshot');
const GOAL_KIB = 5;
const FILL_BATCH = 5000;
const KIB = 1024;
const { openDataStore } = h.requireBuilt('server/dist/datastore');

/** `--steps a,b,…` (entry totals, ascending) or the default. */
function stepsArg(argv, fallback) {
  const i = argv.indexOf('--steps');
  if (i < 0) return fallback;
  const steps = argv[i + 1].split(',').map(Number);
  if (steps.some((n, k) => !Number.isInteger(n) || n <= 0 || (k > 0 && n <= steps[k - 1]))) {
    throw new Error('--steps: ascending positive integers, comma-separated');
  }
  return steps;
}

/** Writes the agent config (HCL) into `dir`; returns the paths. */
function agentFiles(dir, serverPort, bundlePem) {
  const paths = {
    socketPath: path.join(dir, 'public', 'api.sock'),
    adminSocketPath: path.join(dir, 'admin', 'admin.sock'),
    configPath: path.join(dir, 'agent.conf'),
  };
  const bundlePath = path.join(dir, 'bundle.pem');
  fs.writeFileSync(bundlePath, bundlePem);
  fs.writeFileSync(
    paths.configPath,
    `agent {
    data_dir = "${path.join(dir, 'data')}"
    log_level = "WARN"
    server_address = "127.0.0.1"
    server_port = ${serverPort}
    socket_path = "${paths.socketPath}"
    admin_socket_path = "${paths.adminSocketPath}"
    trust_bundle_path = "${bundlePath}"
    trust_domain = "${h.TRUST_DOMAIN}"
    x509_svid_cache_max_size = ${STEPS[STEPS.length - 1] * 2}
}
plugins {
    NodeAttestor "join_token" {
        plugin_data {}
    }
    KeyManager "memory" {
        plugin_data {}
    }
    WorkloadAttestor "unix" {
        plugin_data {}
    }
}
`,
  );
  return paths;
}

/** `lanyard-agent run` with the probe preloaded and an IPC channel; `ask(msg)` talks to the probe. */
function spawnAgent(configPath, token) {
  let log = '';
  const probe = path.join(__dirname, 'agent-memory-probe.js');
  const child = spawn(
    process.execPath,
    ['--expose-gc', '-r', probe, h.AGENT_BIN, 'run', '-config', configPath, '-joinToken', token],
    { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
  );
  const keep = (chunk) => {
    if (log.length < 100_000) log += chunk.toString();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const ask = h.ipcAsk(child);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return { child, ask, stop, log: () => log };
}

/** `spire.agent.debug.v1.Debug` client on the agent's admin socket. */
function debugClient(adminSocketPath) {
  const apis = h.proto.loadSpireAgentApis().spire.agent.debug.v1;
  return new apis.Debug(`unix:${adminSocketPath}`, h.grpc.credentials.createInsecure());
}

/** Polls GetInfo until `cached_x509_svids_count` reaches `want` (bounded); returns the count seen. */
async function waitCached(debug, agent, want, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let seen = -1;
  while (Date.now() < deadline) {
    if (agent.child.exitCode !== null) throw new Error(`agent exited:\n${agent.log()}`);
    const info = await h.unary((opts, cb) => debug.GetInfo({}, opts, cb), 10_000).catch(() => undefined);
    if (info) seen = Number(info.cached_x509_svids_count);
    if (seen >= want) return seen;
    await h.delay(500);
  }
  throw new Error(`agent caches ${seen} of ${want} X.509-SVIDs after ${timeoutMs} ms:\n${agent.log()}`);
}

/** Datastore entry i for the agent: two Kubernetes selectors (one shared by 100 entries), 1 h X.509 TTL. */
function entry(i, agentId) {
  return {
    spiffeId: `spiffe://${h.TRUST_DOMAIN}/ns/n${i % 100}/sa/w${i}`,
    parentId: agentId,
    selectors: [
      { type: 'k8s', value: `ns:n${i % 100}` },
      { type: 'k8s', value: `sa:w${i}` },
    ],
    x509SvidTtl: 3600,
    jwtSvidTtl: 300,
    dnsNames: [],
    federatesWith: [],
    admin: false,
    downstream: false,
    expiresAt: 0,
    storeSvid: false,
    hint: '',
  };
}

/** Writes entries [from, to) into the running server's SQLite file; returns seconds taken. */
async function fill(ds, agentId, from, to) {
  const t = h.nowMs();
  for (let start = from; start < to; start += FILL_BATCH) {
    const batch = [];
    for (let i = start; i < Math.min(start + FILL_BATCH, to); i++) batch.push(entry(i, agentId));
    const results = await ds.createEntries(batch);
    if (results.some((r) => !r.ok)) throw new Error('createEntries failed');
  }
  return (h.nowMs() - t) / 1000;
}

/** How long {@link sample} watches the idle agent, one sample a second. */
const IDLE_WATCH_MS = 20_000;

/**
 * The idle agent's memory after forced GCs, plus its RSS from /proc: the sample with the lowest RSS among one a
 * second over IDLE_WATCH_MS, with the seconds after which it came. A forced GC keeps the heap V8 committed while
 * the agent was busy (semi-spaces grown, pages pooled); V8's memory reducer gives it back only after some idle
 * seconds (seen: the agent at 10,000 SVIDs went from 146 to 114 MiB RSS about 20 s after caching ended), so a
 * single sample lands at a random point of that.
 */
async function sample(agent) {
  const started = h.nowMs();
  let lowest;
  while (lowest === undefined || h.nowMs() - started < IDLE_WATCH_MS) {
    const usage = await agent.ask({ cmd: 'measure' });
    const procRss = h.processRssBytes(agent.child.pid);
    if (lowest === undefined || procRss < lowest.procRss) {
      lowest = { ...usage, procRss, afterS: (h.nowMs() - started) / 1000 };
    }
    await h.delay(1000);
  }
  return lowest;
}

/** Per-SVID growth (bytes) of each memory figure between `base` and `now`. */
function perSvid(base, now, svids) {
  const per = (key) => (now[key] - base[key]) / svids;
  return {
    rss: per('procRss'),
    heapUsed: per('heapUsed'),
    heapTotal: per('heapTotal'),
    external: per('external'),
    arrayBuffers: per('arrayBuffers'),
  };
}

async function main() {
  const loadStart = h.loadavg();
  const server = await h.ServerProcess.create(
    'lanyard-bench-agent-mem-',
    '    ratelimit {\n        signing = false\n    }',
  );
  let agent;
  let ds;
  let debug;
  const t0 = h.nowMs();
  try {
    await server.start();
    const admin = server.admin();
    const roots = await h.bundleRoots(admin);
    const pem = roots.map((r) => new crypto.X509Certificate(r).toString()).join('');
    const token = await h.joinToken(admin);
    admin.close();
    const agentId = `spiffe://${h.TRUST_DOMAIN}/spire/agent/join_token/${token}`;
    const dir = path.join(server.dir, 'agent');
    fs.mkdirSync(dir);
    const files = agentFiles(dir, server.port, pem);
    agent = spawnAgent(files.configPath, token);
    await waitHealthy(files.socketPath, agent);
    debug = debugClient(files.adminSocketPath);
    await waitCached(debug, agent, 0, 60_000);
    await h.delay(2000); // a couple of empty syncs: the steady state without entries
    const base = await sample(agent);
    console.log(`baseline: ${describe(base)}`);
    ds = await openDataStore({ databaseType: 'sqlite3', connectionString: server.sqlitePath });
    const steps = [];
    for (const total of STEPS) {
      const from = steps.length === 0 ? 0 : steps[steps.length - 1].total;
      const fillS = await fill(ds, agentId, from, total);
      const tWait = h.nowMs();
      const cached = await waitCached(debug, agent, total, 600_000);
      const cacheS = (h.nowMs() - tWait) / 1000;
      const mem = await sample(agent);
      const step = { total, cached, fillS, cacheS, mem, per: perSvid(base, mem, cached) };
      steps.push(step);
      console.log(
        `${h.fmt(total)} entries: written in ${fillS.toFixed(1)} s, all cached ${cacheS.toFixed(1)} s later; ` +
          `${describe(mem)}; per SVID ${describePer(step.per)}`,
      );
    }
    // After the last measurement: writing a snapshot grows the agent's RSS by itself, which would count as SVIDs'.
    const missed = steps.some((s) => s.per.rss > GOAL_KIB * KIB);
    const last = steps[steps.length - 1];
    const snapshot = FORCE_SNAPSHOT || missed ? await classBreakdown(agent, dir, last.cached) : undefined;
    if (WRITE) writeSection({ base, steps, snapshot, loadStart, totalS: (h.nowMs() - t0) / 1000 });
  } finally {
    debug?.close();
    await ds?.close();
    await agent?.stop();
    await server.destroy();
  }
}

/** Heap snapshot of the agent, broken down by constructor (the file is deleted after reading). */
async function classBreakdown(agent, dir, svids) {
  const file = path.join(dir, 'agent.heapsnapshot');
  await agent.ask({ cmd: 'snapshot', file });
  try {
    const classes = heapClassBreakdown(fs.readFileSync(file, 'utf8'));
    console.log(`heap snapshot at ${h.fmt(svids)} SVIDs, largest constructors by retained self size:`);
    for (const c of classes.slice(0, 12)) {
      console.log(`  ${c.name}: ${h.fmt(c.count)} objects, ${(c.selfSize / svids).toFixed(0)} B per SVID`);
    }
    return { svids, classes };
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** Resolves once `lanyard-agent healthcheck` passes (bounded). */
async function waitHealthy(socketPath, agent) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (agent.child.exitCode !== null) throw new Error(`agent exited:\n${agent.log()}`);
    const code = await new Promise((resolve) => {
      const hc = spawn(process.execPath, [h.AGENT_BIN, 'healthcheck', '-socketPath', socketPath], {
        stdio: 'ignore',
      });
      hc.on('exit', resolve);
    });
    if (code === 0) return;
    if (Date.now() > deadline) throw new Error(`agent not healthy after 60 s:\n${agent.log()}`);
    await h.delay(200);
  }
}

const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const kib = (b) => `${(b / KIB).toFixed(2)} KiB`;

function describe(m) {
  return `RSS ${mib(m.procRss)}, heap used ${mib(m.heapUsed)} of ${mib(m.heapTotal)}, external ${mib(m.external)} (ArrayBuffers ${mib(m.arrayBuffers)})`;
}

function describePer(p) {
  return `RSS ${kib(p.rss)}, heap ${kib(p.heapUsed)} (committed ${kib(p.heapTotal)}), external ${kib(p.external)} (ArrayBuffers ${kib(p.arrayBuffers)})`;
}

/** Sentences about the goal, generated from the figures. */
function verdict(steps) {
  return steps
    .map((s) => {
      const over = s.per.rss - GOAL_KIB * KIB;
      return over <= 0
        ? `At ${h.fmt(s.total)} SVIDs the agent meets the goal: ${kib(s.per.rss)} RSS per SVID, ${kib(-over)} under ${GOAL_KIB} KiB.`
        : `At ${h.fmt(s.total)} SVIDs the agent **misses** the goal: ${kib(s.per.rss)} RSS per SVID, ${kib(over)} (${((over / (GOAL_KIB * KIB)) * 100).toFixed(0)}%) over ${GOAL_KIB} KiB.`;
    })
    .join(' ');
}

/** Where the rest of the RSS growth is, from the numbers: the part neither the JS heap nor external explains. */
function unexplained(steps) {
  return steps
    .map((s) => {
      const native = s.per.rss - s.per.heapTotal - s.per.external;
      return `${h.fmt(s.total)}: ${kib(native)} per SVID of the RSS growth is outside the committed JS heap and V8's external count (${((native / s.per.rss) * 100).toFixed(0)}%)`;
    })
    .join('; ');
}

/**
 * Growth between consecutive steps per SVID added (what each further SVID costs), and the one-time growth it
 * implies in the first step: the first step's growth minus its SVIDs at the marginal cost. Empty for one step.
 */
function marginal(steps) {
  if (steps.length < 2) return '';
  const sentences = [];
  for (let i = 1; i < steps.length; i++) {
    const [a, b] = [steps[i - 1], steps[i]];
    const added = b.cached - a.cached;
    const per = (key) => (b.mem[key] - a.mem[key]) / added;
    const native = per('procRss') - per('heapTotal') - per('external');
    sentences.push(
      `From ${h.fmt(a.total)} to ${h.fmt(b.total)} SVIDs each further SVID added ${kib(per('procRss'))} of RSS ` +
        `(${kib(per('heapTotal'))} committed JS heap, ${kib(per('external'))} external, ${kib(native)} other native memory)` +
        (per('procRss') <= GOAL_KIB * KIB ? `, within ${GOAL_KIB} KiB` : `, over ${GOAL_KIB} KiB`) +
        '.',
    );
  }
  const [first, second] = steps;
  const perRss = (second.mem.procRss - first.mem.procRss) / (second.cached - first.cached);
  const oneTime = first.per.rss * first.cached - perRss * first.cached;
  if (oneTime <= 0) {
    sentences.push(`The first ${h.fmt(first.cached)} SVIDs grew no more than that marginal cost predicts.`);
    return sentences.join(' ');
  }
  sentences.push(
    `At that marginal cost the first ${h.fmt(first.cached)} SVIDs account for ${mib(perRss * first.cached)} of the ` +
      `${mib(first.per.rss * first.cached)} grown by then; the other ${mib(oneTime)} grew once, whatever the count ` +
      `(${kib(oneTime / first.cached)} per SVID at ${h.fmt(first.total)}, ${kib(oneTime / second.cached)} at ${h.fmt(second.total)}).`,
  );
  return sentences.join(' ');
}

function writeSection({ base, steps, snapshot, loadStart, totalS }) {
  const col = (f) => steps.map(f).join(' | ');
  const lines = [
    '## Agent memory',
    '',
    `Measured ${new Date().toISOString().slice(0, 16)}Z by \`node bench/agent-memory.js\` on ${h.machine()}, ` +
      `load average ${loadStart} at start, ${h.loadavg()} at end; ${totalS.toFixed(0)} s in all.`,
    '',
    '`lanyard-server run` (SQLite, `ratelimit { signing = false }`) and `lanyard-agent run` (join token, ' +
      `\`x509_svid_cache_max_size\` ${h.fmt(STEPS[STEPS.length - 1] * 2)}, default \`sync_interval\`) as child ` +
      'processes. The agent runs with `--expose-gc` and a preloaded probe (`bench/agent-memory-probe.js`) that, ' +
      'asked over the IPC channel, runs three full garbage collections and reports `process.memoryUsage()`; RSS ' +
      'is read from `/proc/<pid>/status`. A forced GC leaves the heap V8 committed while busy, which V8 gives back ' +
      `some idle seconds later, so each figure is the sample with the lowest RSS of one a second over ` +
      `${IDLE_WATCH_MS / 1000} s of the idle agent. ` +
      'Entries parented to the agent (two `k8s` selectors each, one shared by ' +
      "100 entries) are written into the server's SQLite file with the datastore's batch create while both run; " +
      'the agent counts as done when its `Debug.GetInfo` reports that many cached X.509-SVIDs. No workload ' +
      'connects. Growth per SVID = (figure after GC − figure after GC at the baseline, agent synced with no ' +
      `entries) / SVIDs cached. Goal (issue #15): ≤ ${GOAL_KIB} KiB RSS per cached SVID at 10,000 and 100,000.`,
    '',
    `| measurement | baseline | ${col((s) => `${h.fmt(s.total)} SVIDs`)} |`,
    `|---|---|${steps.map(() => '---|').join('')}`,
    `| RSS after GC | ${mib(base.procRss)} | ${col((s) => mib(s.mem.procRss))} |`,
    `| lowest RSS sampled after | ${base.afterS.toFixed(0)} s | ${col((s) => `${s.mem.afterS.toFixed(0)} s`)} |`,
    `| JS heap used after GC (of it committed) | ${mib(base.heapUsed)} (${mib(base.heapTotal)}) | ${col((s) => `${mib(s.mem.heapUsed)} (${mib(s.mem.heapTotal)})`)} |`,
    `| external (of it ArrayBuffers) | ${mib(base.external)} (${mib(base.arrayBuffers)}) | ${col((s) => `${mib(s.mem.external)} (${mib(s.mem.arrayBuffers)})`)} |`,
    `| **RSS growth per SVID** | | ${col((s) => `**${kib(s.per.rss)}**`)} |`,
    `| JS heap growth per SVID: used (committed) | | ${col((s) => `${kib(s.per.heapUsed)} (${kib(s.per.heapTotal)})`)} |`,
    `| external growth per SVID (ArrayBuffers) | | ${col((s) => `${kib(s.per.external)} (${kib(s.per.arrayBuffers)})`)} |`,
    `| entries written / all cached after | | ${col((s) => `${s.fillS.toFixed(1)} s / ${s.cacheS.toFixed(1)} s`)} |`,
    '',
    `${verdict(steps)} Per step, ${unexplained(steps)}. ${marginal(steps)}`.trimEnd(),
    '',
  ];
  if (snapshot) {
    lines.push(
      `Heap snapshot of the agent at ${h.fmt(snapshot.svids)} SVIDs (after GC), largest constructors by self size ` +
        '(V8 heap objects only; native memory behind KeyObjects or OpenSSL structures does not show here; ' +
        '"per SVID" divides the whole heap, including what the baseline already held, such as code and module sources):',
      '',
      '| constructor | objects | self size | per SVID |',
      '|---|---|---|---|',
      ...snapshot.classes
        .slice(0, 12)
        .map(
          (c) =>
            `| \`${c.name.replace(/[|`]/g, ' ')}\` | ${h.fmt(c.count)} | ${mib(c.selfSize)} | ${(c.selfSize / snapshot.svids).toFixed(0)} B |`,
        ),
      '',
    );
  }
  h.writeSection('Agent memory', lines.join('\n'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
