#!/usr/bin/env node
/**
 * Agent sync benchmark: how long until newly registered entries are served by a real `lanyard-agent run`
 * process, and the agent's RSS per cached X.509-SVID.
 *
 * A `lanyard-server run` child process (SQLite) and a `lanyard-agent run` child process (join token, unix
 * workload attestor, default `sync_interval` 5 s, `x509_svid_cache_max_size` above the entry count). This
 * process is the workload: it keeps one Workload API `FetchX509SVID` stream open and counts the SVIDs in each
 * update (the counting walks the protobuf's top-level fields; nothing else is decoded). Entries are parented to
 * the agent with the selector `unix:uid:<our uid>`, so this one workload sees all of them.
 * 1. Baseline in the same run: register 1 entry, time until the stream serves it.
 * 2. Register `--entries` more with BatchCreateEntry (batches of 1,000) and time until one update carries all.
 * RSS: agent VmRSS before step 2 and after it (stream closed, 3 s later).
 * Writes the "## Agent sync" section of docs/benchmarks.md.
 *
 * Usage: node bench/agent-sync.js [--entries 10000] [--only watch|poll] [--no-write] [--cpu-prof]
 */
'use strict';

const { Buffer } = require('node:buffer');
const crypto = require('node:crypto');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { setTimeout, clearTimeout } = require('node:timers');
const h = require('./server-harness');

const args = h.cliArgs();
const ENTRIES = args.num('entries', 10_000, 50_000);
const CREATE_BATCH = 1000;
const WRITE = !args.has('no-write');
const PROFILE = args.has('cpu-prof');
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const MODES = ['watch', 'poll'].filter((m) => ONLY === undefined || m === ONLY);
const UID = process.getuid();

/** Writes the agent config (HCL) into `dir`; returns the paths. */
function agentFiles(dir, serverPort, bundlePem) {
  const socketPath = path.join(dir, 'public', 'api.sock');
  const bundlePath = path.join(dir, 'bundle.pem');
  const configPath = path.join(dir, 'agent.conf');
  fs.writeFileSync(bundlePath, bundlePem);
  fs.writeFileSync(
    configPath,
    `agent {
    data_dir = "${path.join(dir, 'data')}"
    log_level = "${process.env.LANYARD_BENCH_AGENT_LOG || 'WARN'}"
    server_address = "127.0.0.1"
    server_port = ${serverPort}
    socket_path = "${socketPath}"
    trust_bundle_path = "${bundlePath}"
    trust_domain = "${h.TRUST_DOMAIN}"
    x509_svid_cache_max_size = ${ENTRIES * 2}
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
  return { socketPath, configPath };
}

/** Starts `lanyard-agent run`; resolves once `healthcheck` passes (bounded). */
async function startAgent(configPath, socketPath, token) {
  let log = '';
  const child = spawn(
    process.execPath,
    [...h.profileFlags(PROFILE), h.AGENT_BIN, 'run', '-config', configPath, '-joinToken', token],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const keep = (chunk) => {
    if (log.length < 100_000) log += chunk.toString();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`agent exited:\n${log}`);
    const res = await new Promise((resolve) => {
      const hc = spawn(process.execPath, [h.AGENT_BIN, 'healthcheck', '-socketPath', socketPath], {
        stdio: 'ignore',
      });
      hc.on('exit', resolve);
    });
    if (res === 0) break;
    if (Date.now() > deadline) throw new Error(`agent not healthy after 60 s:\n${log}`);
    await h.delay(200);
  }
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return { child, stop, log: () => log };
}

/** Reads one varint at `pos`; returns [value, next position]. */
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

/** Counts field-1 (repeated X509SVID) occurrences of an X509SVIDResponse without decoding anything else. */
function countSvids(buf) {
  let pos = 0;
  let count = 0;
  while (pos < buf.length) {
    const [tag, afterTag] = varint(buf, pos);
    if ((tag & 7) !== 2) throw new Error(`unexpected wire type in X509SVIDResponse: ${tag & 7}`);
    const [len, afterLen] = varint(buf, afterTag);
    if (tag >>> 3 === 1) count++;
    pos = afterLen + len;
  }
  return { count, bytes: buf.length };
}

/**
 * One long-lived FetchX509SVID stream; `onUpdate({count, bytes})` per message. While the workload has no
 * identity yet the agent answers PermissionDenied ("no identity issued", as SPIRE does): reopen every 50 ms.
 */
function watchX509(socketPath, onUpdate, onError) {
  const client = new h.grpc.Client(`unix:${socketPath}`, h.grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 512 * 1024 * 1024,
  });
  let call;
  let stopped = false;
  const open = () => {
    const md = new h.grpc.Metadata();
    md.set('workload.spiffe.io', 'true');
    call = client.makeServerStreamRequest(
      '/SpiffeWorkloadAPI/FetchX509SVID',
      () => Buffer.alloc(0),
      countSvids,
      {},
      md,
    );
    call.on('data', onUpdate);
    call.on('error', (err) => {
      if (stopped || err.code === h.grpc.status.CANCELLED) return;
      if (err.code === h.grpc.status.PERMISSION_DENIED) setTimeout(open, 50);
      else onError(err);
    });
  };
  open();
  return () => {
    stopped = true;
    call.cancel();
    client.close();
  };
}

/** Resolves with the time (ms, from `since`) of the first update with at least `want` SVIDs. */
function waitForSvids(updates, want, since, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not all ${want} SVIDs served after ${timeoutMs} ms`)),
      timeoutMs,
    );
    updates.waiters.push((u) => {
      if (u.count < want) return false;
      clearTimeout(timer);
      resolve({ ms: u.at - since, firstAnyMs: updates.firstAfter(since, want) - since });
      return true;
    });
    updates.replay();
  });
}

/** Keeps every update's time, size and SVID count, and runs waiters on them. */
function updateLog() {
  const log = {
    list: [],
    waiters: [],
    add(u) {
      log.list.push(u);
      log.replay();
    },
    replay() {
      const last = log.list[log.list.length - 1];
      if (last) log.waiters = log.waiters.filter((w) => !w(last));
    },
    /** Time of the first update at or after `t` carrying an SVID of the phase that waits for `want` SVIDs. */
    firstAfter(t, want) {
      const base = want > 1 ? want - ENTRIES : 0;
      const u = log.list.find((x) => x.at >= t && x.count > base);
      return u ? u.at : NaN;
    },
  };
  return log;
}

/** Registers `count` entries for the agent and this uid, numbered from `from`; returns ms taken. */
async function register(admin, agentId, prefix, from, count) {
  const t = h.nowMs();
  for (let i = from; i < from + count; i += CREATE_BATCH) {
    const n = Math.min(CREATE_BATCH, from + count - i);
    await h.batchCreate(
      admin,
      Array.from({ length: n }, (_, k) =>
        h.wireEntry({
          spiffeId: `spiffe://${h.TRUST_DOMAIN}/bench/${prefix}/w${i + k}`,
          parentId: agentId,
          selectors: [{ type: 'unix', value: `uid:${UID}` }],
        }),
      ),
    );
  }
  return h.nowMs() - t;
}

/** One FetchX509SVID exchange: opens the stream, takes the first message (or "no identity" = 0), cancels. */
function pollOnce(client) {
  return new Promise((resolve, reject) => {
    const md = new h.grpc.Metadata();
    md.set('workload.spiffe.io', 'true');
    const call = client.makeServerStreamRequest(
      '/SpiffeWorkloadAPI/FetchX509SVID',
      () => Buffer.alloc(0),
      countSvids,
      {},
      md,
      { deadline: new Date(Date.now() + 30_000) },
    );
    let done = false;
    call.on('data', (u) => {
      done = true;
      call.cancel();
      resolve(u);
    });
    call.on('error', (err) => {
      if (done) return;
      if (err.code === h.grpc.status.PERMISSION_DENIED) resolve({ count: 0, bytes: 0 });
      else reject(err);
    });
  });
}

/**
 * A workload that polls: every `everyMs` one FetchX509SVID exchange, recorded in `updates` (bounded by
 * `timeoutMs`); no subscription stays open in between. Resolves when a poll sees `want` SVIDs.
 */
async function pollUntil(client, updates, want, since, everyMs, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const u = await pollOnce(client);
    updates.add({ ...u, at: h.nowMs() });
    if (u.count >= want)
      return {
        ms: updates.list[updates.list.length - 1].at - since,
        firstAnyMs: updates.firstAfter(since, want) - since,
      };
    await h.delay(everyMs);
  }
  throw new Error(`not all ${want} SVIDs served after ${timeoutMs} ms`);
}

/**
 * One agent, one workload mode: `watch` keeps a FetchX509SVID stream open throughout; `poll` opens one
 * every 250 ms for the 1-entry baseline and every 2 s during the big sync.
 */
async function runVariant(server, admin, pem, mode) {
  const dir = path.join(server.dir, mode);
  fs.mkdirSync(dir);
  const { socketPath, configPath } = agentFiles(dir, server.port, pem);
  const token = await h.joinToken(admin);
  const agent = await startAgent(configPath, socketPath, token);
  const agentId = `spiffe://${h.TRUST_DOMAIN}/spire/agent/join_token/${token}`;
  const updates = updateLog();
  let streamError;
  let stopWatch = () => undefined;
  const client = new h.grpc.Client(`unix:${socketPath}`, h.grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 512 * 1024 * 1024,
  });
  try {
    if (mode === 'watch') {
      stopWatch = watchX509(
        socketPath,
        (u) => updates.add({ ...u, at: h.nowMs() }),
        (err) => (streamError = err),
      );
    }
    const waitAll = (want, since, pollMs, timeoutMs) =>
      mode === 'watch'
        ? waitForSvids(updates, want, since, timeoutMs)
        : pollUntil(client, updates, want, since, pollMs, timeoutMs);
    const t1 = h.nowMs();
    await register(admin, agentId, mode, 0, 1);
    const one = await waitAll(1, t1, 250, 60_000).catch((err) => {
      throw new Error(
        `${err.message}; stream: ${streamError}; updates: ${updates.list.length}\n${agent.log()}`,
      );
    });
    await h.delay(1000);
    const rss0 = h.processRssBytes(agent.child.pid);
    const cpu0 = h.processCpuSeconds(agent.child.pid);
    const serverCpu0 = h.processCpuSeconds(server.child.pid);
    const updatesBefore = updates.list.length;
    const t2 = h.nowMs();
    const registerMs = await register(admin, agentId, mode, 1, ENTRIES);
    const all = await waitAll(ENTRIES + 1, t2, 2000, 600_000);
    const r = {
      mode,
      one,
      all,
      registerMs,
      agentCpu: h.processCpuSeconds(agent.child.pid) - cpu0,
      serverCpu: h.processCpuSeconds(server.child.pid) - serverCpu0,
      updates: updates.list.slice(updatesBefore),
      rss0,
      rssServed: h.processRssBytes(agent.child.pid),
    };
    stopWatch();
    await h.delay(3000);
    r.rss1 = h.processRssBytes(agent.child.pid);
    if (streamError) throw streamError;
    const mib = (b) => `${(b / 2 ** 20).toFixed(0)} MiB`;
    console.log(
      `[${mode}] 1 entry served after ${h.ms(one.ms)}; ${ENTRIES} registered in ${h.ms(registerMs)}, first ` +
        `served ${h.ms(all.firstAnyMs)}, all ${h.ms(all.ms)}; ${r.updates.length} messages, ` +
        `${mib(r.updates.reduce((s, u) => s + u.bytes, 0))}; CPU agent ${r.agentCpu.toFixed(1)} s, server ` +
        `${r.serverCpu.toFixed(1)} s; RSS ${mib(rss0)} -> ${mib(r.rssServed)} -> ${mib(r.rss1)}, ` +
        `${((r.rss1 - rss0) / ENTRIES / 1024).toFixed(2)} KiB per SVID`,
    );
    return r;
  } finally {
    stopWatch();
    client.close();
    await agent.stop();
  }
}

/** SPIRE's default per-IP signing rate limit, which the server under test keeps (`ratelimit.signing`). */
const SIGNING_LIMIT_PER_SECOND = 500;

async function main() {
  const loadStart = h.loadavg();
  const server = await h.ServerProcess.create('lanyard-bench-agent-');
  try {
    await server.start();
    const admin = server.admin();
    const roots = await h.bundleRoots(admin);
    const pem = roots.map((r) => new crypto.X509Certificate(r).toString()).join('');
    const results = [];
    for (const mode of MODES) results.push(await runVariant(server, admin, pem, mode));
    admin.close();
    if (WRITE) writeSection(results, loadStart);
  } finally {
    await server.destroy();
  }
}

function writeSection(results, loadStart) {
  const n = h.fmt(ENTRIES);
  const mib = (b) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  const col = (f) => results.map(f).join(' | ');
  const text = [
    '## Agent sync',
    '',
    `Measured ${new Date().toISOString().slice(0, 16)}Z by \`node bench/agent-sync.js\` on ${h.machine()}, ` +
      `load average ${loadStart} at start, ${h.loadavg()} at end (the box is shared with other helpers; the ` +
      '1-entry baseline of the same run shows the fixed part).',
    '',
    '`lanyard-server run` (SQLite) and `lanyard-agent run` (join token, unix workload attestor, default ' +
      `\`sync_interval\` 5 s, \`x509_svid_cache_max_size\` ${h.fmt(ENTRIES * 2)}) as child processes, a fresh ` +
      'agent per column; this process is the workload. Entries are parented to the agent with selector ' +
      `\`unix:uid:${UID}\`, so that one workload sees all of them. "Served" = a Workload API \`FetchX509SVID\` ` +
      'message carries the SVID (measured on the Workload API, not on an internal counter). *watch*: the workload ' +
      'keeps one stream open throughout (every cache change re-sends all its SVIDs). *poll*: it opens a stream, ' +
      'reads the first message and closes it, every 250 ms for the baseline and every 2 s during the big sync ' +
      '(so its times are up to 2 s late), and nothing is subscribed in between. Times are from the first ' +
      "BatchCreateEntry call. The server keeps SPIRE's default `ratelimit` (signing limited to " +
      `${h.fmt(SIGNING_LIMIT_PER_SECOND)} CSRs/s per agent address), so signing ${h.fmt(ENTRIES)} SVIDs for one agent ` +
      `takes at least ${(ENTRIES / SIGNING_LIMIT_PER_SECOND).toFixed(0)} s.`,
    '',
    `| measurement | ${col((r) => r.mode)} |`,
    `|---|${results.map(() => '---|').join('')}`,
    `| baseline: 1 entry registered → served | ${col((r) => h.ms(r.one.ms))} |`,
    `| ${n} entries: registration (BatchCreateEntry, ${h.fmt(CREATE_BATCH)} per call) | ${col((r) => h.ms(r.registerMs))} |`,
    `| ${n} entries: first of them served | ${col((r) => h.ms(r.all.firstAnyMs))} |`,
    `| ${n} entries: **all served** | ${col((r) => `**${(r.all.ms / 1000).toFixed(1)} s**`)} |`,
    `| CPU while serving ${n}: agent / server | ${col((r) => `${r.agentCpu.toFixed(1)} s / ${r.serverCpu.toFixed(1)} s`)} |`,
    `| Workload API messages to the workload meanwhile | ${col((r) => `${r.updates.length}, ${mib(r.updates.reduce((s, u) => s + u.bytes, 0))}`)} |`,
    `| agent RSS: before / all served / 3 s later (stream closed) | ${col((r) => `${mib(r.rss0)} / ${mib(r.rssServed)} / ${mib(r.rss1)}`)} |`,
    `| **agent RSS per cached SVID** | ${col((r) => `**${((r.rss1 - r.rss0) / ENTRIES / 1024).toFixed(2)} KiB**`)} |`,
    '',
    `RSS per SVID is (RSS 3 s after all served − RSS before) / ${n}: entry, SVID chain, workload key, the ` +
      'indexes, and whatever V8 and the allocator keep from the sync and the large Workload API messages (the ' +
      'process is not asked to collect garbage; "Agent Workload API" has the heap-level figure). Goal (issue): ' +
      'agent memory per cached SVID ≤ 5 KB.',
    '',
    'Where the agent time goes (`--cpu-prof` of the agent in one 10,000-entry run of each mode, 2026-11-24 ' +
      '07:45Z and 07:51Z, share of its busy samples). *watch*: `IdentityCache.pinnedEntryIds` 39% (`setSvid` ' +
      'rebuilds the set of every subscribed entry ID for each stored SVID before evicting, so storing n SVIDs ' +
      'that a watching workload sees costs O(n²)), parsing each issued certificate into `X509Certificate` 15%, ' +
      'exporting keys (`KeyObject.export`, PKCS#8/SPKI) 12%, GC 9%, key generation and CSR signing about 4%. ' +
      '*poll*: `X509Certificate` 22%, key export 22%, `pinnedEntryIds` 10%, GC 10%, key generation 4%, CSR ' +
      'signing 4%; the agent is idle half of the run, waiting for the server (one `BatchNewX509SVID` of 250 ' +
      'CSRs at a time, in sequence) or for a core. Computing the pinned set once per batch (or only when the ' +
      'cache is over its cap) and overlapping the next batch with the server round trip would remove most of the agent-side time.',
    '',
  ].join('\n');
  h.writeSection('Agent sync', text);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
