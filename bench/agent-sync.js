#!/usr/bin/env node
/**
 * Agent sync benchmark (issue #15 items 1 and 2): how fast a registered entry reaches a workload through many
 * agents with pushed entry changes (EntryWatch) versus SPIRE-style polling, and how the agent and server grow
 * when one agent is authorized for 100,000 entries.
 *
 * A `lanyard-server run` child process (SQLite, default config). Agents are real `Agent` instances (the class
 * `lanyard-agent run` starts) running in-process in one forked child of this script: each attests with its
 * own join token, keeps its own mTLS channel to the server and serves its own Workload API socket. This process
 * is the workload: it keeps one `FetchX509SVID` stream open to every agent and decodes the SPIFFE IDs of each
 * message.
 * 1. Push: `--agents` agents (default 100), default `sync_interval` 5 s. Each round registers one entry per
 *    agent in one BatchCreateEntry; latency = from that call to the first Workload API message carrying the
 *    entry's SVID, one sample per agent per round. Then single entries for one agent at a time.
 * 2. Poll (SPIRE-style): `--poll-agents` agents (default 20) with `lanyard_push_entry_changes = false`, same rounds.
 * 3. Scale: one agent; `--entries` (default 100,000) entries parented to it with a selector this workload
 *    lacks, registered in batches of 1,000 in two steps (a tenth, then the rest). After each step: time until
 *    the agent's cache holds them all, server and agent-child RSS, and the latency of one more entry that this
 *    workload matches (what one change costs at that size).
 * Writes the "## Agent sync" section of docs/benchmarks.md.
 *
 * Usage: node bench/agent-sync.js [--agents 100] [--poll-agents 20] [--rounds 5] [--poll-rounds 2] [--singles 20] [--entries 100000] [--no-write]
 */
'use strict';

const crypto = require('node:crypto');
const { fork } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { setTimeout } = require('node:timers');

if (process.argv.includes('--agents-child')) {
  runAgentsChild();
} else {
  const h = require('./server-harness');
  main(h).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Child: hosts agents in-process and answers the parent over IPC.
// ---------------------------------------------------------------------------------------------------------

function runAgentsChild() {
  const root = path.resolve(__dirname, '..');
  const agentDist = require(path.join(root, 'agent', 'dist'));
  const { createLogger } = require(path.join(root, 'common', 'dist'));
  // The workload's first opens are refused ("No identity issued", logged at error level): logs are dropped
  // unless LANYARD_BENCH_AGENT_LOG names a level.
  const level = process.env.LANYARD_BENCH_AGENT_LOG;
  const { PassThrough } = require('node:stream');
  const logger = createLogger(
    level ? { level, stream: process.stderr } : { stream: new PassThrough().resume() },
  );
  const agents = [];
  const handlers = {
    async start({ specs }) {
      const started = [];
      // Ten at a time: attestation and the first sync overlap, as when a fleet of nodes boots.
      for (let i = 0; i < specs.length; i += 10) {
        const batch = await Promise.all(
          specs.slice(i, i + 10).map((spec) => {
            const config = agentDist.parseAgentConfig(spec.hcl, { flags: { joinToken: spec.token } }).config;
            return agentDist.Agent.start({ config, logger });
          }),
        );
        agents.push(...batch);
        started.push(...batch.map((agent) => agent.identity.svid.spiffeId));
      }
      return started;
    },
    async waitEntries({ index, count, timeoutMs }) {
      const agent = agents[index];
      const deadline = Date.now() + timeoutMs;
      while (agent.cache.entryCount < count) {
        if (Date.now() > deadline)
          throw new Error(`agent holds ${agent.cache.entryCount} of ${count} entries`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return Date.now();
    },
    async stats() {
      return {
        rss: process.memoryUsage().rss,
        entries: agents.map((a) => a.cache.entryCount),
        svids: agents.map((a) => a.cache.svidCount),
      };
    },
    async stop() {
      await Promise.all(agents.map((a) => a.stop()));
      return true;
    },
  };
  process.on('message', (msg) => {
    handlers[msg.cmd](msg)
      .then((value) => process.send({ id: msg.id, value }))
      .catch((err) => process.send({ id: msg.id, error: err.stack || String(err) }));
  });
}

/** Forks an agents child; `call(cmd, args)` resolves with its answer. */
function agentsChild() {
  const child = fork(__filename, ['--agents-child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map();
  let next = 0;
  child.on('message', (msg) => {
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error) p.reject(new Error(msg.error));
    else p.resolve(msg.value);
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return {
    pid: child.pid,
    call(cmd, args = {}) {
      const id = next++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ ...args, cmd, id });
      });
    },
    async close() {
      await this.call('stop').catch(() => undefined);
      child.kill('SIGTERM');
      await exited;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Parent: server, workload streams, measurements, report.
// ---------------------------------------------------------------------------------------------------------

/** Agent config HCL for the server at `port`, trust bundle at `bundlePath`, everything under `dir`. */
function agentHcl(h, dir, port, bundlePath, push) {
  return `agent {
  data_dir = "${path.join(dir, 'data')}"
  server_address = "127.0.0.1"
  server_port = ${port}
  socket_path = "${path.join(dir, 'api.sock')}"
  trust_bundle_path = "${bundlePath}"
  trust_domain = "${h.TRUST_DOMAIN}"
  lanyard_push_entry_changes = ${push}
}
plugins {
  NodeAttestor "join_token" { plugin_data {} }
  KeyManager "memory" { plugin_data {} }
  WorkloadAttestor "unix" { plugin_data {} }
}
`;
}

/** Reads a varint at `pos`; returns [value, next position]. */
function varint(buf, pos) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = buf[pos++];
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, pos];
    shift += 7;
  }
}

/** Calls `visit(field, start, end)` for each length-delimited field of a protobuf message slice. */
function fields(buf, start, end, visit) {
  let pos = start;
  while (pos < end) {
    const [tag, afterTag] = varint(buf, pos);
    if ((tag & 7) !== 2) throw new Error(`unexpected wire type ${tag & 7}`);
    const [len, afterLen] = varint(buf, afterTag);
    visit(tag >>> 3, afterLen, afterLen + len);
    pos = afterLen + len;
  }
}

/** The SPIFFE IDs of an X509SVIDResponse (field 1 of each `svids` entry), decoding nothing else. */
function svidIds(buf) {
  const ids = [];
  fields(buf, 0, buf.length, (field, s, e) => {
    if (field !== 1) return;
    fields(buf, s, e, (inner, is, ie) => {
      if (inner === 1) ids.push(buf.toString('utf8', is, ie));
    });
  });
  return ids;
}

/**
 * One FetchX509SVID stream per socket; `seen` maps a SPIFFE ID to the time it was first served. Before the
 * workload has an identity the agent answers PermissionDenied: the stream is reopened every 50 ms.
 */
function watchAll(h, sockets, seen) {
  const stops = sockets.map((socketPath) => {
    const client = new h.grpc.Client(`unix:${socketPath}`, h.grpc.credentials.createInsecure());
    let call;
    let stopped = false;
    const open = () => {
      const md = new h.grpc.Metadata();
      md.set('workload.spiffe.io', 'true');
      call = client.makeServerStreamRequest(
        '/SpiffeWorkloadAPI/FetchX509SVID',
        () => Buffer.alloc(0),
        (buf) => buf,
        {},
        md,
      );
      call.on('data', (buf) => {
        const at = h.nowMs();
        for (const id of svidIds(buf)) if (!seen.has(id)) seen.set(id, at);
      });
      call.on('error', () => {
        if (!stopped) setTimeout(open, 50);
      });
    };
    open();
    return () => {
      stopped = true;
      call.cancel();
      client.close();
    };
  });
  return () => stops.forEach((stop) => stop());
}

/** Waits until every ID in `ids` was served (bounded); resolves with their latencies from `since`. */
async function served(h, seen, ids, since, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (ids.some((id) => !seen.has(id))) {
    if (Date.now() > deadline) {
      const missing = ids.filter((id) => !seen.has(id)).length;
      throw new Error(`${missing} of ${ids.length} SVIDs not served after ${timeoutMs} ms`);
    }
    await h.delay(5);
  }
  return ids.map((id) => seen.get(id) - since);
}

/** Starts `count` agents in a fresh child (push on or off); returns the child, agent IDs and sockets. */
async function startAgents(h, server, admin, bundlePath, count, push, label) {
  const child = agentsChild();
  const specs = [];
  const sockets = [];
  for (let i = 0; i < count; i++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `lyb-${label}-`));
    sockets.push(path.join(dir, 'api.sock'));
    specs.push({ hcl: agentHcl(h, dir, server.port, bundlePath, push), token: await h.joinToken(admin) });
  }
  const ids = await child.call('start', { specs });
  return { child, ids, sockets, dirs: sockets.map((s) => path.dirname(s)) };
}

function entryFor(h, agentId, name, uid) {
  return h.wireEntry({
    spiffeId: `spiffe://${h.TRUST_DOMAIN}/bench/${name}`,
    parentId: agentId,
    selectors: [{ type: 'unix', value: `uid:${uid}` }],
  });
}

/** Latency rounds: `rounds` batches of one entry per agent, then `singles` entries one at a time. */
async function latencyRounds(h, admin, group, label, rounds, singles) {
  const uid = process.getuid();
  const seen = new Map();
  const stop = watchAll(h, group.sockets, seen);
  try {
    // Warm-up: one entry per agent so every workload stream is open and served before timing starts.
    const warm = group.ids.map((id, i) => entryFor(h, id, `${label}/warm/a${i}`, uid));
    await h.batchCreate(admin, warm);
    await served(h, seen, warm.map(spiffeIdOf), h.nowMs(), 120_000);
    const batch = [];
    for (let r = 0; r < rounds; r++) {
      const entries = group.ids.map((id, i) => entryFor(h, id, `${label}/r${r}/a${i}`, uid));
      const t0 = h.nowMs();
      await h.batchCreate(admin, entries);
      batch.push(...(await served(h, seen, entries.map(spiffeIdOf), t0, 60_000)));
    }
    const single = [];
    for (let s = 0; s < singles; s++) {
      const entry = entryFor(h, group.ids[s % group.ids.length], `${label}/single/${s}`, uid);
      const t0 = h.nowMs();
      await h.batchCreate(admin, [entry]);
      single.push(...(await served(h, seen, [spiffeIdOf(entry)], t0, 60_000)));
    }
    return { batch, single };
  } finally {
    stop();
  }
}

function spiffeIdOf(wire) {
  return `spiffe://${wire.spiffe_id.trust_domain}${wire.spiffe_id.path}`;
}

/** Registers `count` bulk entries (numbered from `from`) for `agentId` with a selector the workload lacks. */
async function registerBulk(h, admin, agentId, from, count) {
  for (let i = from; i < from + count; i += 1000) {
    const n = Math.min(1000, from + count - i);
    await h.batchCreate(
      admin,
      Array.from({ length: n }, (_, k) => entryFor(h, agentId, `bulk/e${i + k}`, 4_000_000)),
    );
  }
}

/** Probes (one more entry each, in sequence) per scale step; the median is reported. */
const PROBES = 5;

/** Waits (bounded) until the agent's SVID count has not moved for a second: the bulk signing is over. */
async function quiet(h, child) {
  const deadline = Date.now() + 120_000;
  let last = -1;
  let still = 0;
  while (still < 4 && Date.now() < deadline) {
    const { svids } = await child.call('stats');
    still = svids[0] === last ? still + 1 : 0;
    last = svids[0];
    await h.delay(250);
  }
}

/** The scale part: one agent, a tenth of `total` entries, then the rest; size, time and probe latency. */
async function scaleSteps(h, server, admin, bundlePath, total) {
  const group = await startAgents(h, server, admin, bundlePath, 1, true, 'scale');
  const seen = new Map();
  const stop = watchAll(h, group.sockets, seen);
  const uid = process.getuid();
  const agentId = group.ids[0];
  const steps = [];
  try {
    await h.batchCreate(admin, [entryFor(h, agentId, 'scale/probe0', uid)]);
    await served(h, seen, [`spiffe://${h.TRUST_DOMAIN}/bench/scale/probe0`], h.nowMs(), 60_000);
    await h.delay(1000);
    const base = {
      entries: 1,
      serverRss: h.processRssBytes(server.child.pid),
      agentRss: (await group.child.call('stats')).rss,
    };
    let bulk = 0;
    let probed = 1; // probe entries held besides the bulk ones
    for (const target of [Math.round(total / 10), total]) {
      const t0 = Date.now();
      await registerBulk(h, admin, agentId, bulk, target - bulk);
      bulk = target;
      const registeredAt = Date.now();
      const doneAt = await group.child.call('waitEntries', {
        index: 0,
        count: bulk + probed,
        timeoutMs: 600_000,
      });
      await quiet(h, group.child);
      const probes = [];
      for (let p = 0; p < PROBES; p++) {
        const probe = entryFor(h, agentId, `scale/probe${target}-${p}`, uid);
        const t1 = h.nowMs();
        await h.batchCreate(admin, [probe]);
        probes.push(...(await served(h, seen, [spiffeIdOf(probe)], t1, 60_000)));
        probed++;
      }
      const probeMs = h.percentile(probes, 50);
      steps.push({
        entries: target,
        registerMs: registeredAt - t0,
        servedMs: doneAt - t0,
        afterRegisterMs: Math.max(0, doneAt - registeredAt),
        probeMs,
        serverRss: h.processRssBytes(server.child.pid),
        agentRss: (await group.child.call('stats')).rss,
      });
      console.log(`[scale] ${h.fmt(target)} entries: ${JSON.stringify(steps[steps.length - 1])}`);
    }
    return { base, steps };
  } finally {
    stop();
    await group.child.close();
    for (const dir of group.dirs) fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(h) {
  const args = h.cliArgs();
  const opts = {
    agents: args.num('agents', 100, 500),
    pollAgents: args.num('poll-agents', 20, 500),
    rounds: args.num('rounds', 5, 100),
    pollRounds: args.num('poll-rounds', 2, 100),
    singles: args.num('singles', 20, 1000),
    entries: args.num('entries', 100_000, 1_000_000),
    write: !args.has('no-write'),
  };
  const loadStart = h.loadavg();
  const started = Date.now();
  const server = await h.ServerProcess.create('lanyard-bench-agent-');
  try {
    await server.start();
    const admin = server.admin();
    const roots = await h.bundleRoots(admin);
    const bundlePath = path.join(server.dir, 'bundle.pem');
    fs.writeFileSync(bundlePath, roots.map((r) => new crypto.X509Certificate(r).toString()).join(''));
    const results = {};
    for (const [mode, count, rounds, push] of [
      ['push', opts.agents, opts.rounds, true],
      ['poll', opts.pollAgents, opts.pollRounds, false],
    ]) {
      const group = await startAgents(h, server, admin, bundlePath, count, push, mode);
      try {
        results[mode] = {
          agents: count,
          rounds,
          ...(await latencyRounds(h, admin, group, mode, rounds, push ? opts.singles : 0)),
        };
      } finally {
        await group.child.close();
        for (const dir of group.dirs) fs.rmSync(dir, { recursive: true, force: true });
      }
      const r = results[mode];
      console.log(
        `[${mode}] ${count} agents: batch p50 ${h.ms(h.percentile(r.batch, 50))} p99 ${h.ms(h.percentile(r.batch, 99))}` +
          (r.single.length
            ? `; single p50 ${h.ms(h.percentile(r.single, 50))} p99 ${h.ms(h.percentile(r.single, 99))}`
            : ''),
      );
    }
    results.scale = await scaleSteps(h, server, admin, bundlePath, opts.entries);
    admin.close();
    const report = sectionText(h, opts, results, loadStart, (Date.now() - started) / 1000);
    if (opts.write) h.writeSection('Agent sync', report);
    else console.log(`\n${report}`);
  } finally {
    await server.destroy();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Report: every sentence about the results is computed from this run's numbers.
// ---------------------------------------------------------------------------------------------------------

const LATENCY_GOAL_MS = 1000;
const SPIRE_POLL_MS = 5000;

function sectionText(h, opts, results, loadStart, wallSeconds) {
  const { push, poll, scale } = results;
  const pct = (xs, p) => h.percentile(xs, p);
  const mib = (b) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  const p99 = pct(push.batch, 99);
  const verdict =
    p99 <= LATENCY_GOAL_MS
      ? `The push p99 of ${h.ms(p99)} with ${push.agents} agents meets the goal (p99 ≤ 1 s).`
      : `The push p99 of ${h.ms(p99)} with ${push.agents} agents **misses** the goal (p99 ≤ 1 s) by ${h.ms(p99 - LATENCY_GOAL_MS)}.`;
  const speedup = pct(poll.batch, 50) / pct(push.batch, 50);
  const [small, large] = scale.steps;
  const kib = (b) => `${(b / 1024).toFixed(2)} KiB`;
  const us = (x) => `${(x * 1000).toFixed(0)} µs`;
  // Memory: growth since "before" divided by the entries held; time: each step's time per entry it added.
  const grown = (step, key) => (step[key] - scale.base[key]) / step.entries;
  const linear = (what, a, b, unit) => {
    const at = `${unit(a)} per entry at ${h.fmt(small.entries)}, ${unit(b)} at ${h.fmt(large.entries)}`;
    if (!(a > 0) || !(b > 0)) return `${what}: growth too small to judge (${at}).`;
    const ratio = b / a;
    if (ratio <= 1) return `${what} grows linearly or better (${at}, ${ratio.toFixed(2)}×).`;
    return ratio <= 1.5
      ? `${what} grows close to linearly: the cost per entry rose ${ratio.toFixed(2)}× (${at}).`
      : `${what} grows **faster than linearly** (${at}, ${ratio.toFixed(2)}×).`;
  };
  const timeSmall = small.servedMs / small.entries;
  const timeLarge = large.servedMs / (large.entries - small.entries);
  const probeRatio = large.probeMs / small.probeMs;
  const probeVerdict =
    probeRatio <= 2
      ? `One more entry is served in ${h.ms(large.probeMs)} at ${h.fmt(large.entries)} entries against ` +
        `${h.ms(small.probeMs)} at ${h.fmt(small.entries)} (${probeRatio.toFixed(1)}×): a single change does not ` +
        'cost the agent in proportion to the entries it holds.'
      : `One more entry takes ${h.ms(large.probeMs)} at ${h.fmt(large.entries)} entries against ` +
        `${h.ms(small.probeMs)} at ${h.fmt(small.entries)} (${probeRatio.toFixed(1)}×): **a single change still ` +
        'costs more as the entry count grows**.';
  return [
    '## Agent sync',
    '',
    `Measured ${new Date().toISOString().slice(0, 16)}Z by \`node bench/agent-sync.js\` on ${h.machine()}, ` +
      `load average ${loadStart} at start, ${h.loadavg()} at end, ${wallSeconds.toFixed(0)} s in all.`,
    '',
    '`lanyard-server run` (SQLite, default config) as a child process. Agents are real `Agent` instances (what ' +
      '`lanyard-agent run` starts) hosted in-process in one forked child: each attests with its own join token, ' +
      'holds its own mTLS channel to the server and serves its own Workload API socket. This process is the ' +
      'workload, with one `FetchX509SVID` stream open to every agent. Latency = from the `BatchCreateEntry` call to ' +
      "the first Workload API message carrying the new entry's SVID. *Batch*: each round registers one entry per " +
      'agent in one call (one sample per agent). *Single*: one entry for one agent at a time. *push*: agents with ' +
      "the EntryWatch stream (default). *poll*: agents with `lanyard_push_entry_changes = false`, i.e. SPIRE's " +
      'behaviour: changes arrive with the `sync_interval` poll (default 5 s).',
    '',
    '| mode | agents | samples | p50 | p99 | max |',
    '|---|---|---|---|---|---|',
    ...[
      ['push, batch', push, push.batch],
      ['push, single', push, push.single],
      ['poll, batch', poll, poll.batch],
    ].map(
      ([name, r, xs]) =>
        `| ${name} | ${r.agents} | ${xs.length} | ${h.ms(pct(xs, 50))} | **${h.ms(pct(xs, 99))}** | ${h.ms(Math.max(...xs))} |`,
    ),
    '',
    `Goal (issue): entry created → first workload message carrying the SVID, p99 ≤ 1 s with 100 agents (SPIRE: ` +
      `≥ ${SPIRE_POLL_MS / 1000} s). ${verdict} At the median, push is ${speedup.toFixed(1)}× faster than the poll in the ` +
      `same run (${h.ms(pct(push.batch, 50))} against ${h.ms(pct(poll.batch, 50))}).` +
      (push.agents < 100 ? ` This run used ${push.agents} agents, fewer than the goal's 100.` : ''),
    '',
    `**${h.fmt(large.entries)} entries for one agent.** The same server; one more agent (push on, default ` +
      '`x509_svid_cache_max_size` 1,000, so it signs 1,000 SVIDs and holds every entry). Entries are registered ' +
      'with a selector the workload lacks, 1,000 per `BatchCreateEntry`, in two steps; "held" = all are in the ' +
      "agent's cache (its `entryCount`), timed from the first registration call of the step. RSS of the server " +
      'process and of the agent child (which hosts only this agent; the latency agents have been stopped).',
    '',
    `| step | registration | all held | after the last registration | one more entry served (median of ${PROBES}) | server RSS | agent RSS |`,
    '|---|---|---|---|---|---|---|',
    `| before | | | | | ${mib(scale.base.serverRss)} | ${mib(scale.base.agentRss)} |`,
    ...scale.steps.map(
      (s) =>
        `| ${h.fmt(s.entries)} entries | ${(s.registerMs / 1000).toFixed(1)} s | **${(s.servedMs / 1000).toFixed(1)} s** | ${h.ms(s.afterRegisterMs)} | ${h.ms(s.probeMs)} | ${mib(s.serverRss)} | ${mib(s.agentRss)} |`,
    ),
    '',
    `${linear('Server memory', grown(small, 'serverRss'), grown(large, 'serverRss'), kib)} ` +
      `${linear('Agent memory', grown(small, 'agentRss'), grown(large, 'agentRss'), kib)} ` +
      `${linear('Time until held', timeSmall, timeLarge, us)} ${probeVerdict} ` +
      'Memory per entry = RSS growth since "before" / entries held, time per entry = step time / entries it added; RSS includes what V8 has not collected yet.',
    '',
  ].join('\n');
}
