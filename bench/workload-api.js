#!/usr/bin/env node
/**
 * Agent Workload API benchmark (CommonJS, runs against the built `agent/dist` and `test-support/dist`; build
 * first with `npx tsc --build agent test-support`).
 *
 * The agent's Workload API server runs in a child process with the real `unix` workload attestor (every call
 * attests the caller through /proc and re-checks its start time) and a cache of 1,000 entries, one of which
 * matches the benchmark process. A bare grpc-js server-streaming echo over a Unix socket (bound by grpc-js
 * itself, same message size, no attestation) runs in a second child in the same run, as the floor.
 *
 * Measured from this process with 100 workload clients (one grpc-js channel each, so one UDS connection each):
 *   - warm: FetchX509SVID → first message → cancel on an existing connection; requests round-robin over the
 *     100 connections one at a time (latency), then with all 100 in flight at once (throughput + latency);
 *   - new connection: new channel + FetchX509SVID → first message → close, one at a time;
 *   - cache memory per X.509-SVID at 10,000 entries (heap and ArrayBuffer delta, in this process).
 * Clients read raw message bytes (no protobuf decode) on both sides, so the comparison is server + transport.
 * Writes the "## Agent Workload API" section of docs/benchmarks.md (other sections are left alone).
 *
 * Usage: node --expose-gc bench/workload-api.js [--requests 3000] [--new-conns 300] [--no-write]
 */
'use strict';

const { Buffer } = require('node:buffer');
const { X509Certificate } = require('node:crypto');
const { fork } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const agentDist = path.join(root, 'agent', 'dist');
const supportDist = path.join(root, 'test-support', 'dist');
for (const dir of [agentDist, supportDist]) {
  if (!fs.existsSync(path.join(dir, 'index.js'))) {
    console.error(`${path.relative(root, dir)} is missing: run \`npx tsc --build agent test-support\` first`);
    process.exit(1);
  }
}
const grpc = require(require.resolve('@grpc/grpc-js', { paths: [path.join(root, 'agent')] }));

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const REQUESTS = opt('requests', 3000);
const NEW_CONNS = opt('new-conns', 300);
const WORKLOADS = 100;
const WRITE = !args.includes('--no-write');
const ENTRIES = 1000;
const MEMORY_ENTRIES = 10_000;

// ---------------------------------------------------------------- child processes

/** The test CA's trust bundle as the agent cache holds it. */
function bundleOf(ca) {
  const { SpiffeBundle, TrustDomain } = require(path.join(root, 'spiffe', 'dist'));
  return new SpiffeBundle({
    trustDomain: TrustDomain.parse(ca.trustDomain),
    x509Authorities: ca.bundle().map((der) => new X509Certificate(der)),
  });
}

/** Child: the agent's Workload API with the unix attestor and a filled cache. */
async function serveAgent(socketPath, callerUid) {
  const { IdentityCache, WorkloadApiServer, createSvidMaterial } = require(agentDist);
  const { TestCa } = require(supportDist);
  const { workloadPlugin } = require(path.join(root, 'attestors', 'unix', 'dist'));
  const ca = TestCa.create({ trustDomain: 'example.org' });
  const cache = new IdentityCache({ trustDomain: 'example.org' });
  cache.setBundle(bundleOf(ca));
  const entries = [];
  for (let i = 0; i < ENTRIES; i++) {
    const uid = i === 0 ? callerUid : 100000 + i;
    entries.push({
      entryId: `entry-${String(i).padStart(5, '0')}`,
      spiffeId: `spiffe://example.org/workload/${i}`,
      selectors: [{ type: 'unix', value: `uid:${uid}` }],
      hint: '',
      federatesWith: [],
      revision: 1,
      createdAt: 1,
    });
  }
  cache.updateEntries(entries);
  for (const entry of entries) {
    const svid = ca.issueX509Svid({ spiffeId: entry.spiffeId });
    cache.setSvid(
      entry.entryId,
      createSvidMaterial({
        certChainDer: [svid.certificates[0].der],
        privateKey: svid.privateKey,
        entryRevision: 1,
      }),
    );
  }
  const logger = { debug() {}, info() {}, warn() {}, error() {} };
  const unix = await workloadPlugin.create({}, { logger, procRoot: '/proc' });
  const server = new WorkloadApiServer({
    socketPath,
    cache,
    attestors: [unix],
    jwtMinter: { mintJwtSvid: () => Promise.reject(new Error('unused')) },
  });
  await server.start();
  process.send({ ready: true });
}

/** Child: a bare grpc-js server-streaming echo on a Unix socket, sending `size` bytes at once. */
async function serveEcho(socketPath, size) {
  const payload = Buffer.alloc(size, 7);
  const server = new grpc.Server();
  const id = (b) => b;
  server.addService(
    {
      Stream: {
        path: '/bench.Echo/Stream',
        requestStream: false,
        responseStream: true,
        requestSerialize: id,
        requestDeserialize: id,
        responseSerialize: id,
        responseDeserialize: id,
      },
    },
    { Stream: (call) => call.write(payload) },
  );
  await new Promise((resolve, reject) =>
    server.bindAsync(`unix:${socketPath}`, grpc.ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  process.send({ ready: true });
}

function startChild(mode, socketPath, extra) {
  const child = fork(
    path.join(__dirname, 'workload-api.js'),
    [`--serve-${mode}`, socketPath, String(extra)],
    { stdio: 'inherit' },
  );
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
  });
}

// ---------------------------------------------------------------- client side

const identity = (b) => b;

/** A client with its own connection (grpc-js otherwise shares one subchannel per target across clients). */
function makeClient(socketPath) {
  return new grpc.Client(`unix://${socketPath}`, grpc.credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
  });
}

/** One stream: resolves with [latency ms, message bytes] at the first message, then cancels. */
function firstMessage(client, method, metadata) {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const stream = client.makeServerStreamRequest(
      method,
      () => Buffer.alloc(0),
      identity,
      Buffer.alloc(0),
      metadata,
    );
    stream.once('data', (msg) => {
      resolve([Number(process.hrtime.bigint() - start) / 1e6, msg.length]);
      stream.cancel();
    });
    stream.once('error', (err) => {
      if (err.code !== grpc.status.CANCELLED) reject(err);
    });
  });
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: quantile(s, 0.5), p99: quantile(s, 0.99), n: s.length };
}

/** Warm latency: one request at a time, round-robin over the clients. */
async function warmSequential(clients, method, md, total) {
  const samples = [];
  for (let i = 0; i < total; i++)
    samples.push((await firstMessage(clients[i % clients.length], method, md))[0]);
  return stats(samples);
}

/** Warm throughput: every client keeps one request in flight. */
async function warmConcurrent(clients, method, md, total) {
  const samples = [];
  const perClient = Math.ceil(total / clients.length);
  const start = process.hrtime.bigint();
  await Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < perClient; i++) samples.push((await firstMessage(c, method, md))[0]);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { ...stats(samples), rate: samples.length / seconds };
}

/** New connection per request: channel + first message + close. */
async function newConnections(socketPath, method, md, total) {
  const samples = [];
  for (let i = 0; i < total; i++) {
    const start = process.hrtime.bigint();
    const client = makeClient(socketPath);
    await firstMessage(client, method, md);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    client.close();
  }
  return stats(samples);
}

/** Runs every latency measurement against one server. */
async function measureServer(socketPath, method, md) {
  const clients = Array.from({ length: WORKLOADS }, () => makeClient(socketPath));
  let size = 0;
  for (const c of clients) size = (await firstMessage(c, method, md))[1]; // connect + warm every channel
  // Keep fewer than ~1000 cancelled streams per connection (nghttp2 GOAWAY): REQUESTS/100 each per phase.
  const sequential = await warmSequential(clients, method, md, REQUESTS);
  const concurrent = await warmConcurrent(clients, method, md, REQUESTS);
  clients.forEach((c) => c.close());
  const fresh = await newConnections(socketPath, method, md, NEW_CONNS);
  return { sequential, concurrent, fresh, size };
}

// ---------------------------------------------------------------- memory

function gc() {
  if (global.gc) {
    global.gc();
    global.gc();
  }
}

/** Cache memory per cached X.509-SVID: entries + SVID material for 10,000 entries, inputs excluded. */
function measureMemory() {
  const { IdentityCache, createSvidMaterial } = require(agentDist);
  const { TestCa } = require(supportDist);
  const ca = TestCa.create({ trustDomain: 'example.org' });
  const inputs = [];
  for (let i = 0; i < MEMORY_ENTRIES; i++) {
    const svid = ca.issueX509Svid({ spiffeId: `spiffe://example.org/workload/${i}` });
    inputs.push({ der: svid.certificates[0].der, key: svid.privateKeyDer });
  }
  const cache = new IdentityCache({ trustDomain: 'example.org', x509SvidCacheMaxSize: MEMORY_ENTRIES });
  cache.setBundle(bundleOf(ca));
  gc();
  const before = process.memoryUsage();
  const entries = inputs.map((_, i) => ({
    entryId: `entry-${String(i).padStart(5, '0')}`,
    spiffeId: `spiffe://example.org/workload/${i}`,
    selectors: [{ type: 'unix', value: `uid:${100000 + i}` }],
    hint: '',
    federatesWith: [],
    revision: 1,
    createdAt: 1,
  }));
  cache.updateEntries(entries);
  inputs.forEach((input, i) =>
    cache.setSvid(
      entries[i].entryId,
      createSvidMaterial({ certChainDer: [input.der], privateKey: input.key, entryRevision: 1 }),
    ),
  );
  gc();
  const after = process.memoryUsage();
  const per = (field) => (after[field] - before[field]) / MEMORY_ENTRIES;
  return {
    heap: per('heapUsed'),
    buffers: per('arrayBuffers'),
    rss: per('rss'),
    svids: cache.svidCount,
    leafBytes: inputs[0].der.length,
    gcExposed: Boolean(global.gc),
  };
}

// ---------------------------------------------------------------- report

const ms = (x) => `${x.toFixed(2)} ms`;
const kb = (bytes) => `${(bytes / 1024).toFixed(2)} KiB`;

function writeSection(agent, echo, mem) {
  const cpu = (os.cpus()[0] && os.cpus()[0].model) || 'unknown CPU';
  const load = os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  const row = (label, a, e, pick) => `| ${label} | ${pick(a)} | ${pick(e)} |`;
  const section = [
    '## Agent Workload API',
    '',
    `Measured ${new Date().toISOString().slice(0, 16)}Z by \`node --expose-gc bench/workload-api.js\` on ${cpu}, ` +
      `${os.cpus().length} cores, Node ${process.version}, load average ${load} (the box is shared; treat numbers as upper bounds for latency).`,
    '',
    `Server in its own process with the \`unix\` workload attestor (attestation and PID-reuse check on every call), ` +
      `${ENTRIES.toLocaleString('en-US')} cached entries; the caller's X509SVIDResponse (one P-256 leaf, its key, one root) is ${agent.size} bytes. ` +
      `${WORKLOADS} client connections from one process; time = open FetchX509SVID → first message (then cancel). ` +
      `The floor is a bare grpc-js server-streaming echo over UDS returning ${agent.size} bytes, measured in the same run.`,
    '',
    '| measurement | agent FetchX509SVID | bare grpc-js UDS echo |',
    '|---|---|---|',
    row(`warm, one at a time over ${WORKLOADS} connections: p50`, agent, echo, (r) => ms(r.sequential.p50)),
    row('warm, one at a time: p99', agent, echo, (r) => ms(r.sequential.p99)),
    row(`warm, ${WORKLOADS} in flight at once: p50`, agent, echo, (r) => ms(r.concurrent.p50)),
    row(`warm, ${WORKLOADS} in flight at once: p99`, agent, echo, (r) => ms(r.concurrent.p99)),
    row(
      `warm, ${WORKLOADS} in flight at once: throughput`,
      agent,
      echo,
      (r) => `${Math.round(r.concurrent.rate).toLocaleString('en-US')}/s`,
    ),
    row('new connection + first message: p50', agent, echo, (r) => ms(r.fresh.p50)),
    row('new connection + first message: p99', agent, echo, (r) => ms(r.fresh.p99)),
    '',
    `Samples: ${REQUESTS} per warm case, ${NEW_CONNS} new connections. Goals: warm p50 ≤ 1 ms, p99 ≤ 5 ms; new connection p50 ≤ 2.5 ms.`,
    '',
    `Cache memory at ${MEMORY_ENTRIES.toLocaleString('en-US')} entries with an SVID each (entry objects, selector index, ` +
      `DER copies, parsed private KeyObjects, PKCS#8 copies; inputs excluded${mem.gcExposed ? '' : '; run with --expose-gc for stable figures'}): ` +
      `**${kb(mem.heap + mem.buffers)} per SVID** (JS heap ${kb(mem.heap)} + ArrayBuffers ${kb(mem.buffers)}; ` +
      `RSS grew ${kb(mem.rss)} per SVID, which also counts OpenSSL's key objects). Goal ≤ 5 KB.`,
    '',
  ].join('\n');
  const file = path.join(root, 'docs', 'benchmarks.md');
  const doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = doc.indexOf('## Agent Workload API');
  let next;
  if (start >= 0) {
    const after = doc.indexOf('\n## ', start + 1);
    next = doc.slice(0, start) + section + (after >= 0 ? doc.slice(after + 1) : '');
  } else {
    next = `${doc.trimEnd()}\n\n${section}`;
  }
  fs.writeFileSync(file, next);
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lanyard-bench-wl-'));
  const agentSock = path.join(dir, 'public', 'api.sock');
  const echoSock = path.join(dir, 'echo.sock');
  const children = [];
  try {
    children.push(await startChild('agent', agentSock, process.getuid()));
    const md = new grpc.Metadata();
    md.set('workload.spiffe.io', 'true');
    const agent = await measureServer(agentSock, '/SpiffeWorkloadAPI/FetchX509SVID', md);
    children.push(await startChild('echo', echoSock, agent.size));
    const echo = await measureServer(echoSock, '/bench.Echo/Stream', new grpc.Metadata());
    const mem = measureMemory();
    console.table({
      'agent warm seq': agent.sequential,
      'echo warm seq': echo.sequential,
      'agent warm x100': agent.concurrent,
      'echo warm x100': echo.concurrent,
      'agent new conn': agent.fresh,
      'echo new conn': echo.fresh,
    });
    console.log('memory per SVID (bytes):', mem);
    if (WRITE) writeSection(agent, echo, mem);
  } finally {
    children.forEach((c) => c.kill());
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (args[0] === '--serve-agent') void serveAgent(args[1], Number(args[2]));
else if (args[0] === '--serve-echo') void serveEcho(args[1], Number(args[2]));
else
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
