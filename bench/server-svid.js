#!/usr/bin/env node
/**
 * End-to-end X.509-SVID issuance benchmark: simulated agents call `BatchNewX509SVID` over their own mTLS
 * channels (loopback) against real `lanyard-server run` child processes on SQLite: one signing on its main
 * thread (`svid_signing_workers = 0`) and one with the default signing worker pool (one worker per core).
 *
 * Setup, per server: join tokens via the admin API on the Unix socket, `AttestAgent` over TLS with a CSR per
 * agent, `--batch` entries parented to each agent (BatchCreateEntry), wait until SyncAuthorizedEntries lists
 * them. Then every agent sends batches of `--batch` pre-generated CSRs (one P-256 key each, generated once), one
 * batch in flight per agent, for `--seconds` per server and round; the two servers alternate over `--rounds`
 * so a noisy shared box affects both alike. Reported: SVIDs/s, per-batch latency p50/p99, server CPU seconds
 * per SVID and by thread (main vs workers, from /proc), and, measured in this process in the same run right
 * before and after, the in-process `ServerCa.signX509SvidFromCsr` rate, the node:crypto floor of any CSR
 * issuance (import key + verify CSR + sign) and the raw ES256 `crypto.sign` rate, issuance vs that floor in
 * back-to-back pairs of short runs, and the box's ceiling for a pool (the floor on all cores vs one). Both servers
 * run under V8's sampling profiler (`--cpu-prof`, main and worker threads; `--no-cpu-prof` turns it off): the text
 * states, from the samples of the timed rounds, where each thread kind's time went per SVID and what the pool
 * added, and a missed goal gets the CPU split, the box's ceiling and the speed-up bound that explain it.
 * Writes the "## Server end to end" section of docs/benchmarks.md (its "BatchNewX509SVID" part).
 *
 * Usage: node bench/server-svid.js [--agents 8] [--batch 50] [--seconds 4] [--rounds 2] [--no-write] [--no-cpu-prof]
 */
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('./server-harness');
const { floorScaling } = require('./floor-threads');
const {
  factorVerdict,
  floorCallShare,
  loopRate,
  median,
  pairedCpuRatios,
  pct,
  profileText,
  ratioVerdict,
  selfTimeProfile,
  threadCpuDelta,
  threadCpuSeconds,
} = require('./signing-report');
const { profileSentences, serverProfile, speedupBound } = require('./server-svid-profile');

const args = h.cliArgs();
const AGENTS = args.num('agents', 8, 64);
const BATCH = args.num('batch', 50, 500);
const SECONDS = args.num('seconds', 4, 120);
const ROUNDS = args.num('rounds', 2, 10);
const MAX_BATCHES = 20_000; // hard bound on each measured loop, whatever the rate
const WRITE = !args.has('no-write');
const PROFILE = !args.has('no-cpu-prof');
const POOL_GOAL = 1.7;
const WARM_UP_SECONDS = 2;
/** Length of each run of the box's ceiling (3 alternating rounds of one thread and all cores). */
const CEILING_SECONDS = 0.5;
const FLOOR_GOAL = 0.8;
const RATE_GOAL = 2000;
const { ServerCa, MemoryKeyManager } = h.requireBuilt('server/dist/ca');
const { der } = h.requireBuilt('base/dist');

/** The signed part, signature and JWK of a CSR, for the node:crypto floor. */
function csrParts(csrDer) {
  const w = der;
  const [info, , signature] = w.children(w.readSingle(csrDer, 0x30, 'csr'), 'csr');
  const [, , spki] = w.children(info, 'csr info');
  const jwk = crypto
    .createPublicKey({ key: spki.raw, format: 'der', type: 'spki' })
    .export({ format: 'jwk' });
  return { info: info.raw, signature: w.readBitStringBytes(signature, 'csr signature'), jwk };
}

/** Issuance vs floor: pairs of back-to-back slices, as `ca-issue.js`. */
const FLOOR_PAIRS = { pairs: 6, sliceSeconds: 0.2 };

/**
 * In-process floors, measured in this process while the servers idle: raw ES256 signing, the node:crypto floor
 * of a CSR issuance (import the key from JWK + verify the CSR signature + sign) and CSR issuance itself; then
 * issuance against the floor in back-to-back pairs of short runs (`pairs`: the per-pair CPU-rate ratios) and,
 * with `profile`, a 1 s self-time profile of issuance.
 */
async function inProcessRates(csrs, seconds, { profile = false } = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lanyard-bench-ca-'));
  try {
    const ca = await ServerCa.create({
      trustDomain: h.TRUST_DOMAIN,
      dataDir,
      keyManager: new MemoryKeyManager(),
    });
    const caKey = h.newKeyPair().privateKey;
    const tbs = crypto.randomBytes(420);
    const id = `spiffe://${h.TRUST_DOMAIN}/bench/w`;
    const parts = csrs.slice(0, 64).map(csrParts);
    const cases = {
      rawSign: () => crypto.sign('sha256', tbs, caKey),
      floor: (i) => {
        const p = parts[i % parts.length];
        const key = crypto.createPublicKey({ key: p.jwk, format: 'jwk' });
        if (!crypto.verify('sha256', p.info, key, p.signature)) throw new Error('bad csr');
        return crypto.sign('sha256', tbs, caKey);
      },
      issue: (i) => ca.signX509SvidFromCsr({ csrDer: csrs[i % csrs.length], expectedSpiffeId: id }),
    };
    for (const fn of Object.values(cases)) loopRate(fn, 0.2);
    const rates = Object.fromEntries(Object.entries(cases).map(([k, fn]) => [k, loopRate(fn, seconds)]));
    const pairs = pairedCpuRatios(cases.issue, cases.floor, FLOOR_PAIRS);
    return {
      ...rates,
      pairs,
      profile: profile ? await selfTimeProfile(cases.issue, 1, Infinity) : undefined,
    };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Attests `count` agents and registers `perAgent` entries under each; returns agents with mTLS clients. */
async function setupAgents(server, admin, roots, count, perAgent) {
  const agents = [];
  for (let a = 0; a < count; a++) {
    const svid = await h.attestAgent(server.port, roots, await h.joinToken(admin));
    const entries = Array.from({ length: perAgent }, (_, i) =>
      h.wireEntry({
        spiffeId: `spiffe://${h.TRUST_DOMAIN}/bench/agent${a}/w${i}`,
        parentId: svid.agentId,
        selectors: [{ type: 'unix', value: `uid:${1000 + i}` }],
      }),
    );
    await h.batchCreate(admin, entries);
    agents.push({ ...svid, clients: h.tlsClients(server.port, roots, svid) });
  }
  for (const agent of agents) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await h.syncOnce(agent.clients.entry);
      if (res.entries.length === perAgent) {
        agent.entryIds = res.entries.map((e) => e.id);
        break;
      }
      if (Date.now() > deadline) throw new Error(`agent sees ${res.entries.length}/${perAgent} entries`);
      await h.delay(100);
    }
  }
  return agents;
}

/** One BatchNewX509SVID call; resolves with the number of SVIDs issued (throws on any failed result). */
function newSvids(agent, csrs, offset) {
  const params = agent.entryIds.map((entry_id, i) => ({ entry_id, csr: csrs[(offset + i) % csrs.length] }));
  return h
    .unary((opts, cb) => agent.clients.svid.BatchNewX509SVID({ params }, opts, cb), 60_000)
    .then((res) => {
      const bad = res.results.find((r) => r.status.code !== 0);
      if (bad) throw new Error(`BatchNewX509SVID result: ${bad.status.message}`);
      return res.results;
    });
}

/** Every agent keeps one batch in flight until `seconds` pass (or MAX_BATCHES); returns counts, latencies, CPU. */
async function drive(agents, csrs, seconds, serverPid) {
  const latencies = [];
  let svids = 0;
  let batches = 0;
  const threads0 = threadCpuSeconds(serverPid);
  const self0 = process.cpuUsage();
  const start = h.nowMs();
  const end = start + seconds * 1000;
  await Promise.all(
    agents.map(async (agent, a) => {
      let offset = a * 7;
      while (h.nowMs() < end && batches < MAX_BATCHES) {
        const t = h.nowMs();
        const results = await newSvids(agent, csrs, offset);
        latencies.push(h.nowMs() - t);
        svids += results.length;
        batches++;
        offset += results.length;
      }
    }),
  );
  const stop = h.nowMs();
  const wall = (stop - start) / 1000;
  const self = process.cpuUsage(self0);
  const threads = threadCpuDelta(threads0, threadCpuSeconds(serverPid));
  return {
    svids,
    wall,
    latencies,
    serverMain: threads.main,
    serverOthers: threads.others,
    clientCpu: (self.user + self.system) / 1e6,
    window: [start * 1000, stop * 1000],
  };
}

/** Sums the runs of one server over the rounds. */
function combine(runs) {
  const sum = (k) => runs.reduce((acc, r) => acc + r[k], 0);
  const latencies = runs.flatMap((r) => r.latencies);
  const svids = sum('svids');
  const wall = sum('wall');
  const serverCpu = sum('serverMain') + sum('serverOthers');
  return {
    svids,
    wall,
    rate: svids / wall,
    p50: h.percentile(latencies, 50),
    p99: h.percentile(latencies, 99),
    serverCpu,
    serverMain: sum('serverMain'),
    serverOthers: sum('serverOthers'),
    clientCpu: sum('clientCpu'),
    windows: runs.map((r) => r.window),
  };
}

/** Checks one issued SVID chains to the bundle and carries the entry's SPIFFE ID. */
async function checkOneSvid(agent, csrs, roots) {
  const [result] = await newSvids(agent, csrs, 0);
  const leaf = new crypto.X509Certificate(result.svid.cert_chain[0]);
  const issuer = new crypto.X509Certificate(result.svid.cert_chain[1] || roots[0]);
  if (!leaf.verify(issuer.publicKey) || !leaf.subjectAltName.includes('spiffe://')) {
    throw new Error('issued SVID does not verify');
  }
}

/**
 * `server {}` HCL: SPIRE's per-IP rate limits off (every simulated agent connects from 127.0.0.1, so they would
 * cap the run at one agent's 500 CSRs/s) and the signing workers (`undefined` = the default, one per core).
 */
function serverHcl(workers) {
  const limitsOff = 'ratelimit {\n        attestation = false\n        signing = false\n    }';
  return workers === undefined ? limitsOff : `${limitsOff}\n    svid_signing_workers = ${workers}`;
}

/** Where a server's `--cpu-prof` files go: inside its temp dir, removed with it. */
const profileDir = (server) => path.join(server.dir, 'cpu-profiles');

/**
 * `result` with the profile of its server's timed rounds, when profiling: stops the server so that every
 * thread writes its profile (the rounds are over by then).
 */
async function withProfile(setup, result) {
  if (!PROFILE) return result;
  for (const agent of setup.agents) agent.clients.close();
  await setup.server.stop();
  return { ...result, profile: serverProfile(profileDir(setup.server), result.windows) };
}

/** Starts a server and attests its agents; returns the server, its agents and its bundle roots. */
async function startServer(label, workers, csrs) {
  const server = await h.ServerProcess.create(`lanyard-bench-svid-${label}-`, serverHcl(workers));
  server.spawn(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profileDir(server)}`] : []);
  await server.waitReady();
  const admin = server.admin();
  try {
    const roots = await h.bundleRoots(admin);
    console.log(`${label}: attesting ${AGENTS} agents, ${BATCH} entries each…`);
    const agents = await setupAgents(server, admin, roots, AGENTS, BATCH);
    await checkOneSvid(agents[0], csrs, roots);
    return { server, agents };
  } finally {
    admin.close();
  }
}

async function main() {
  const loadStart = h.loadavg();
  const cores = os.availableParallelism();
  console.log(`generating ${BATCH * 4} CSR keys…`);
  const csrs = Array.from({ length: BATCH * 4 }, () => h.csrFor(h.newKeyPair()));
  const setups = [];
  try {
    setups.push(await startServer('one-thread', 0, csrs));
    setups.push(await startServer('pool', undefined, csrs));
    const [one, pool] = setups;
    const before = await inProcessRates(csrs, 1);
    // warm-up: JIT (each signing worker is an isolate of its own that optimizes the issuance code afresh), TLS,
    // HTTP/2 windows
    for (const s of setups) await drive(s.agents, csrs, WARM_UP_SECONDS, s.server.child.pid);
    const single = await drive(pool.agents.slice(0, 1), csrs, SECONDS / 2, pool.server.child.pid);
    const runs = { one: [], pool: [] };
    for (let r = 0; r < ROUNDS; r++) {
      runs.one.push(await drive(one.agents, csrs, SECONDS, one.server.child.pid));
      runs.pool.push(await drive(pool.agents, csrs, SECONDS, pool.server.child.pid));
      const rates = Object.entries(runs).map(([k, v]) => `${k} ${h.fmt(v[r].svids / v[r].wall)} SVIDs/s`);
      console.log(`round ${r + 1}: ${rates.join(', ')}`);
    }
    const after = await inProcessRates(csrs, 1, { profile: true });
    const ceiling = await floorScaling(cores, { seconds: CEILING_SECONDS });
    const mean = (k, m) => (before[k][m] + after[k][m]) / 2;
    const floors = Object.fromEntries(
      ['rawSign', 'floor', 'issue'].flatMap((k) => [
        [k, mean(k, 'wall')],
        [`${k}Cpu`, mean(k, 'cpu')],
      ]),
    );
    // As ca-issue.js: the median of the pairs' ratios of CPU-second rates, before and after the rounds.
    floors.issueVsFloor = median([...before.pairs, ...after.pairs]);
    floors.profile = after.profile;
    const run = {
      one: await withProfile(one, combine(runs.one)),
      pool: await withProfile(pool, combine(runs.pool)),
      single: combine([single]),
      floors,
      ceiling,
      loadStart,
      cores,
    };
    console.log(analysis(run));
    if (WRITE) writeSection(run);
  } finally {
    for (const s of setups) {
      for (const agent of s.agents) agent.clients.close();
      await s.server.destroy();
    }
  }
}

/** The analysis, every sentence worded from this run's numbers. */
function analysis({ one, pool, floors, ceiling, cores }) {
  const speedup = pool.rate / one.rate;
  const issueVsFloor = floors.issueVsFloor;
  const cpuPerWall = (r, k) => (r[k] / r.wall).toFixed(2);
  const sentences = [
    `Signing workers vs one thread, end to end (${factorVerdict(speedup, POOL_GOAL)}): ${h.fmt(pool.rate)} vs ` +
      `${h.fmt(one.rate)} SVIDs/s.`,
    `Rate with the workers (goal ≥ ${h.fmt(RATE_GOAL)} SVIDs/s on 2 cores): ` +
      (pool.rate >= RATE_GOAL ? 'met.' : `**missed** (${h.fmt(pool.rate)}/s).`),
    `In-process CSR issuance against the node:crypto floor of import + verify + sign, per CPU-second of this ` +
      `process, median of ${2 * FLOOR_PAIRS.pairs} back-to-back pairs of ${FLOOR_PAIRS.sliceSeconds} s runs ` +
      `before and after the rounds (${ratioVerdict(issueVsFloor, FLOOR_GOAL)}); the 1 s runs of the table: ` +
      `${h.fmt(floors.issueCpu)} vs ${h.fmt(floors.floorCpu)}.` +
      (issueVsFloor < FLOOR_GOAL && floors.profile
        ? ` Where issuance's time goes (self time, V8 sampling profile of 1 s): ${profileText(floors.profile)}; ` +
          `${pct(floorCallShare(floors.profile))} of its samples are inside the three node:crypto calls the ` +
          'floor makes, and the rest is parsing the CSR, building the certificate and collecting the garbage of both.'
        : ''),
    `Where the CPU went, per wall second: the one-thread server used ${cpuPerWall(one, 'serverMain')} CPU-s on its ` +
      `main thread and ${cpuPerWall(one, 'serverOthers')} on other threads; the pooled server ` +
      `${cpuPerWall(pool, 'serverMain')} on its main thread (gRPC, TLS, protobuf, authorization) and ` +
      `${cpuPerWall(pool, 'serverOthers')} on other threads (signing workers, GC); the simulated agents in this ` +
      `process ${cpuPerWall(pool, 'clientCpu')}; ${cores} cores in all.`,
  ];
  const used = (pool.serverCpu + pool.clientCpu) / pool.wall;
  if (speedup < POOL_GOAL) {
    sentences.push(
      used >= cores * 0.9
        ? `Server and agents together kept ${used.toFixed(2)} of the ${cores} cores busy during the pooled runs, so ` +
            'the box, not the pool, set the limit.'
        : `Server and agents together used ${used.toFixed(2)} of the ${cores} cores during the pooled runs: the ` +
            `rest was idle or taken by other processes (load average ${h.loadavg()} at the end).`,
    );
    sentences.push(
      `The box's own ceiling, measured in this process after the rounds: the node:crypto floor alone ran ` +
        `${ceiling.factor.toFixed(2)}× as fast on ${cores} worker threads at once as on one ` +
        `(${h.fmt(ceiling.all)} vs ${h.fmt(ceiling.one)}/s, medians of 3 alternating ${CEILING_SECONDS} s runs)` +
        (ceiling.factor < POOL_GOAL
          ? `, so even signing alone, with nothing else on the box, could not reach ${POOL_GOAL}× here.`
          : `; the signing alone would allow ${POOL_GOAL}×, the rest of the work on the same cores does not.`),
    );
    const { bound, oneMainUs, poolUs, neededUs } = speedupBound(one, pool, cores, POOL_GOAL);
    sentences.push(
      `At this run's CPU costs per SVID, ${oneMainUs.toFixed(0)} µs on the one-thread server's main thread (one ` +
        `core, its limit) and ${poolUs.toFixed(0)} µs for the pooled server and the agents together (sharing ` +
        `the ${cores} cores), the pool can be at most ${bound.toFixed(2)}× as fast${bound < POOL_GOAL ? '' : ' with every core to itself'}; ` +
        `${POOL_GOAL}× would need the pooled server and the agents to spend ${neededUs.toFixed(0)} µs or less per SVID.`,
    );
  }
  sentences.push(...profileSentences(one, pool));
  const perSvidMainUs = (pool.serverMain / pool.svids) * 1e6;
  const perSvidSignUs = 1e6 / floors.issueCpu;
  sentences.push(
    `Per SVID the pooled server's main thread spent ${perSvidMainUs.toFixed(0)} µs, against ` +
      `${perSvidSignUs.toFixed(0)} µs of CPU for in-process issuance itself.`,
  );
  return sentences.join(' ');
}

/** Replaces the BatchNewX509SVID part of the "## Server end to end" section, keeping the other parts. */
function writeSection(run) {
  const { one, pool, single, floors, loadStart, cores } = run;
  const row = (label, r) =>
    `| ${label} | **${h.fmt(r.rate)}/s** (${h.fmt(r.svids)} in ${r.wall.toFixed(1)} s) | ${h.ms(r.p50)} / ` +
    `${h.ms(r.p99)} | ${((r.serverCpu / r.svids) * 1e6).toFixed(0)} µs | ${(r.serverMain / r.wall).toFixed(2)} / ` +
    `${(r.serverOthers / r.wall).toFixed(2)} |`;
  const text = [
    '### BatchNewX509SVID over mTLS',
    '',
    `Measured ${new Date().toISOString().slice(0, 16)}Z by \`node bench/server-svid.js\` on ${h.machine()}, ` +
      `load average ${loadStart} at start, ${h.loadavg()} at end (the box is shared with other helpers' builds ` +
      'and tests; read the ratios, which compare with floors measured in the same run).',
    '',
    `Two \`lanyard-server run\` child processes (SQLite, EC P-256 CA, log level WARN): one with ` +
      `\`svid_signing_workers = 0\` (everything on the main thread) and one with the default (${cores} signing ` +
      `workers). The simulated agents run in the benchmark process, each attested with a join token and holding ` +
      `its own mTLS channel. Each agent has ${BATCH} entries and sends batches of ${BATCH} pre-generated P-256 CSRs, ` +
      `one batch in flight per agent; ${ROUNDS} rounds of ${SECONDS} s per server, alternating, after a ` +
      `${WARM_UP_SECONDS} s warm-up per server. Servers and agents share the cores. ` +
      'Both servers run with `ratelimit` `attestation` and `signing` ' +
      "off: every simulated agent connects from 127.0.0.1, so SPIRE's per-IP limits (on by default) would cap the " +
      "whole run at one agent's 500 CSRs/s." +
      (PROFILE
        ? " Both servers run under V8's sampling CPU profiler (`--cpu-prof`, 1 ms interval, every thread), which " +
          'costs them a little CPU; its samples from the timed rounds are summarized below.'
        : ''),
    '',
    `| ${AGENTS} agents | SVIDs issued end to end | latency per batch p50 / p99 | server CPU per SVID | server CPU-s per second: main / other threads |`,
    '|---|---|---|---|---|',
    row('one thread (`svid_signing_workers = 0`)', one),
    row(`${cores} signing workers (default)`, pool),
    row('1 agent, signing workers', single),
    '',
    '| in this process, one thread (mean of before/after) | per wall second | per CPU-second |',
    '|---|---|---|',
    `| raw \`crypto.sign('sha256', …)\` ES256 | ${h.fmt(floors.rawSign)}/s | ${h.fmt(floors.rawSignCpu)} |`,
    `| node:crypto floor: import key (JWK) + verify CSR + sign | ${h.fmt(floors.floor)}/s | ${h.fmt(floors.floorCpu)} |`,
    `| \`ServerCa.signX509SvidFromCsr\` | ${h.fmt(floors.issue)}/s | ${h.fmt(floors.issueCpu)} |`,
    '',
    analysis(run),
    '',
  ].join('\n');
  h.writeServerPart('### BatchNewX509SVID over mTLS', text);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
