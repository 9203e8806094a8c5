#!/usr/bin/env node
/**
 * Workload API benchmark against a real `lanyard-agent run` (CommonJS, runs against the built packages; build
 * first with `npm run build`).
 *
 * A `lanyard-server run` child (SQLite) and a `lanyard-agent run` child (join token, `unix` workload attestor:
 * every call attests the caller through /proc and re-checks its start time). One entry matches this process's
 * uid; `--entries` more (other uids) fill the agent's cache. In the same run a bare grpc-js server in a third
 * process answers on a Unix socket with a message of the same size as the agent's (no attestation, no
 * protobuf): the floor. Measured from this process, agent and floor alternating in `--rounds` blocks so load
 * swings on a shared machine hit both alike; clients read raw message bytes (no protobuf decode) on both sides:
 *   - new connection: new channel + FetchX509SVID → first message → close, one at a time;
 *   - warm FetchX509SVID and FetchX509Bundles: open stream → first message → cancel on an existing connection,
 *     one at a time, round-robin over `--connections` connections; FetchJWTSVID (unary, cached token) likewise;
 *   - warm FetchX509SVID with one request in flight per connection (throughput);
 *   - then a second agent (CPU-profiled with `--cpu-prof`) serves warm FetchX509SVID calls; the profile's
 *     samples from that window are summarized in the section.
 * Writes the "## Agent Workload API" section of docs/benchmarks.md (other sections are left alone).
 *
 * Usage: node bench/workload-api.js [--requests 2000] [--new-conns 200] [--connections 20] [--entries 1000]
 *        [--rounds 5] [--no-write]
 */
'use strict';

const { Buffer } = require('node:buffer');
const crypto = require('node:crypto');
const { fork } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./server-harness');
const { AgentProcess, summarizeCpuProfile } = require('./agent-harness');

const args = h.cliArgs();
const REQUESTS = args.num('requests', 2000, 100_000);
const NEW_CONNS = args.num('new-conns', 200, 10_000);
const CONNECTIONS = args.num('connections', 20, 200);
const ENTRIES = args.num('entries', 1000, 20_000);
const ROUNDS = Math.max(1, args.num('rounds', 5, 20));
const WRITE = !args.has('no-write');
const UID = process.getuid();
const SPIFFE_ID = `spiffe://${h.TRUST_DOMAIN}/bench/workload-api`;
const AUDIENCE = 'spiffe://example.org/bench-audience';
/** Goals (issue): warm calls p50 ≤ 1 ms and p99 ≤ 5 ms; a new connection's first message p50 ≤ 2.5 ms. */
const GOALS = { warm: { p50: 1, p99: 5 }, fresh: { p50: 2.5 } };

// ---------------------------------------------------------------- the floor (child process)

/** Child: bare grpc-js on a Unix socket; both methods answer with as many bytes as the request's ASCII number. */
async function serveFloor(socketPath) {
  const grpc = h.grpc;
  const payloads = new Map();
  const payload = (req) => {
    const size = Number(req.toString());
    if (!payloads.has(size)) payloads.set(size, Buffer.alloc(size, 7));
    return payloads.get(size);
  };
  const id = (b) => b;
  const method = (p, responseStream) => ({
    path: p,
    requestStream: false,
    responseStream,
    requestSerialize: id,
    requestDeserialize: id,
    responseSerialize: id,
    responseDeserialize: id,
  });
  const server = new grpc.Server();
  server.addService(
    { Stream: method('/bench.Floor/Stream', true), Unary: method('/bench.Floor/Unary', false) },
    {
      Stream: (call) => call.write(payload(call.request)),
      Unary: (call, cb) => cb(null, payload(call.request)),
    },
  );
  await new Promise((resolve, reject) =>
    server.bindAsync(`unix:${socketPath}`, grpc.ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  process.send({ ready: true });
}

function startFloor(socketPath) {
  const child = fork(__filename, ['--serve-floor', socketPath], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`floor server exited with ${code}`)));
  });
}

// ---------------------------------------------------------------- client calls

const identity = (b) => b;

/** A client with its own connection (grpc-js otherwise shares one subchannel per target across clients). */
function makeClient(socketPath) {
  return new h.grpc.Client(`unix:${socketPath}`, h.grpc.credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
  });
}

function workloadMetadata() {
  const md = new h.grpc.Metadata();
  md.set('workload.spiffe.io', 'true');
  return md;
}

/** A protobuf string field (wire type 2), for the one request that carries fields (JWTSVIDRequest). */
function stringField(field, value) {
  const bytes = Buffer.from(value);
  if (bytes.length > 127) throw new Error('stringField: value too long for a one-byte length');
  return Buffer.concat([Buffer.from([(field << 3) | 2, bytes.length]), bytes]);
}

/** Opens a server stream; resolves with [ms to first message, its bytes], then cancels. */
function streamFirst(client, call) {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const stream = client.makeServerStreamRequest(call.method, identity, identity, call.request, call.md());
    stream.once('data', (msg) => {
      resolve([Number(process.hrtime.bigint() - start) / 1e6, msg.length]);
      stream.cancel();
    });
    stream.once('error', (err) => {
      if (err.code !== h.grpc.status.CANCELLED) reject(err);
    });
  });
}

/** One unary call; resolves with [ms, response bytes]. */
function unaryOnce(client, call) {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(call.method, identity, identity, call.request, call.md(), (err, msg) =>
      err ? reject(err) : resolve([Number(process.hrtime.bigint() - start) / 1e6, msg.length]),
    ),
  );
}

const invoke = (client, call) => (call.unary ? unaryOnce(client, call) : streamFirst(client, call));

/** The agent's calls; `floorOf` gives the floor's call answering with the same number of bytes. */
const AGENT_CALLS = {
  x509: { method: '/SpiffeWorkloadAPI/FetchX509SVID', request: Buffer.alloc(0), md: workloadMetadata },
  bundles: { method: '/SpiffeWorkloadAPI/FetchX509Bundles', request: Buffer.alloc(0), md: workloadMetadata },
  jwt: {
    method: '/SpiffeWorkloadAPI/FetchJWTSVID',
    request: Buffer.concat([stringField(1, AUDIENCE), stringField(2, SPIFFE_ID)]),
    md: workloadMetadata,
    unary: true,
  },
};

function floorOf(call, size) {
  return {
    method: call.unary ? '/bench.Floor/Unary' : '/bench.Floor/Stream',
    request: Buffer.from(String(size)),
    md: () => new h.grpc.Metadata(),
    unary: call.unary,
  };
}

// ---------------------------------------------------------------- measurements

/** p50/p99 of samples (ms); with `cpuSeconds`, the server process's CPU per call in µs. */
function stats(samples, cpuSeconds = NaN) {
  return {
    p50: h.percentile(samples, 50),
    p99: h.percentile(samples, 99),
    n: samples.length,
    cpuPerCallUs: (cpuSeconds / samples.length) * 1e6,
  };
}

const statsOf = (out) => ({
  agent: stats(out.agent.samples, out.agent.cpu),
  floor: stats(out.floor.samples, out.floor.cpu),
});

/** `count` calls one at a time, round-robin over `clients`; returns the latencies. */
async function sequential(clients, call, count, offset = 0) {
  const samples = [];
  for (let i = 0; i < count; i++)
    samples.push((await invoke(clients[(offset + i) % clients.length], call))[0]);
  return samples;
}

/** Every client keeps one call in flight until `count` calls are done; returns latencies and wall seconds. */
async function concurrent(clients, call, count) {
  const samples = [];
  const perClient = Math.ceil(count / clients.length);
  const start = process.hrtime.bigint();
  await Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < perClient; i++) samples.push((await invoke(c, call))[0]);
    }),
  );
  return { samples, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

/** New channel per call: connect + first message + close, one at a time. */
async function fresh(socketPath, call, count) {
  const samples = [];
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    const client = makeClient(socketPath);
    await invoke(client, call);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    client.close();
  }
  return samples;
}

/**
 * Runs `block(side)` for the agent and the floor alternately, `ROUNDS` times each, on fresh connections per
 * side (a connection sees fewer than ~1000 cancelled streams, nghttp2's limit); returns samples per side.
 */
async function alternate(sides, block) {
  const out = {
    agent: { samples: [], seconds: 0, cpu: 0 },
    floor: { samples: [], seconds: 0, cpu: 0 },
  };
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of ['agent', 'floor']) {
      const cpu0 = h.processCpuSeconds(sides[name].pid);
      const res = await block(sides[name], r);
      out[name].cpu += h.processCpuSeconds(sides[name].pid) - cpu0;
      out[name].samples.push(...(res.samples || res));
      out[name].seconds += res.seconds || 0;
    }
  }
  return out;
}

/** Connected, warmed clients for both sides (one call each). */
async function clientsFor(sides, kind) {
  const result = {};
  for (const name of ['agent', 'floor']) {
    const side = sides[name];
    const clients = Array.from({ length: CONNECTIONS }, () => makeClient(side.socketPath));
    for (const c of clients) await invoke(c, side.calls[kind]);
    result[name] = { ...side, clients };
  }
  return result;
}

const closeAll = (sides) => Object.values(sides).forEach((s) => s.clients.forEach((c) => c.close()));

async function measureAll(sides) {
  const perRound = (total) => Math.max(1, Math.round(total / ROUNDS));
  const results = {};
  const fresh509 = await alternate(sides, (s) => fresh(s.socketPath, s.calls.x509, perRound(NEW_CONNS)));
  results.fresh = statsOf(fresh509);
  for (const kind of ['x509', 'jwt', 'bundles']) {
    const warm = await clientsFor(sides, kind);
    const n = perRound(REQUESTS);
    const out = await alternate(warm, (s, r) => sequential(s.clients, s.calls[kind], n, r * n));
    closeAll(warm);
    results[kind] = statsOf(out);
  }
  const busy = await clientsFor(sides, 'x509');
  const out = await alternate(busy, (s) => concurrent(s.clients, s.calls.x509, perRound(REQUESTS)));
  closeAll(busy);
  const rate = (x) => x.samples.length / x.seconds;
  const both = statsOf(out);
  results.concurrent = {
    agent: { ...both.agent, rate: rate(out.agent) },
    floor: { ...both.floor, rate: rate(out.floor) },
  };
  return results;
}

// ---------------------------------------------------------------- setup

/** Registers this process's entry and `others` entries for other uids under `agentId`. */
async function register(admin, agentId, others) {
  const entries = [
    h.wireEntry({
      spiffeId: SPIFFE_ID,
      parentId: agentId,
      selectors: [{ type: 'unix', value: `uid:${UID}` }],
    }),
  ];
  for (let i = 0; i < others; i++) {
    entries.push(
      h.wireEntry({
        spiffeId: `spiffe://${h.TRUST_DOMAIN}/bench/other/${i}`,
        parentId: agentId,
        selectors: [{ type: 'unix', value: `uid:${200_000 + i}` }],
      }),
    );
  }
  for (let i = 0; i < entries.length; i += 1000) await h.batchCreate(admin, entries.slice(i, i + 1000));
}

/** Starts an agent (new join token) whose entries are registered; resolves once it serves our X.509-SVID. */
async function startAgent(server, admin, pem, name, others, nodeFlags = []) {
  const agent = AgentProcess.create(
    path.join(server.dir, name),
    server.port,
    pem,
    `    x509_svid_cache_max_size = ${others + 100}`,
  );
  const token = await h.joinToken(admin);
  await register(admin, `spiffe://${h.TRUST_DOMAIN}/spire/agent/join_token/${token}`, others);
  agent.spawn(token, nodeFlags);
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (!agent.running) throw new Error(`agent ${name} exited:\n${agent.log}`);
    const client = makeClient(agent.socketPath);
    const served = await streamFirst(client, AGENT_CALLS.x509).catch(() => undefined);
    client.close();
    if (served) return agent;
    if (Date.now() > deadline)
      throw new Error(`agent ${name} did not serve our SVID in 120 s:\n${agent.log}`);
    await h.delay(200);
  }
}

/** Sizes of the agent's answers (first message / response), which the floor then returns. */
async function answerSizes(socketPath) {
  const client = makeClient(socketPath);
  const sizes = {};
  for (const [kind, call] of Object.entries(AGENT_CALLS)) sizes[kind] = (await invoke(client, call))[1];
  client.close();
  return sizes;
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** Agent functions whose inclusive share of the profile the section reports (names as in agent/src). */
const PROFILED_PHASES = [
  { fn: 'attestNow', what: 'workload attestation with its /proc reads (`attestNow`)' },
  { fn: 'measureCall', what: 'recording metrics (`Metrics.measureCall`)' },
  { fn: 'pumpUpdates', what: 'building and writing the response (`pumpUpdates`)' },
];

/** A second agent under `--cpu-prof`; `REQUESTS` warm FetchX509SVID calls; the profile of that window. */
async function profileAgent(server, admin, pem) {
  const dir = path.join(server.dir, 'profile');
  fs.mkdirSync(dir, { recursive: true });
  const agent = await startAgent(server, admin, pem, 'profiled', 0, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const clients = Array.from({ length: CONNECTIONS }, () => makeClient(agent.socketPath));
  try {
    for (const c of clients) await invoke(c, AGENT_CALLS.x509);
    const fromUs = nowUs();
    const samples = await sequential(clients, AGENT_CALLS.x509, REQUESTS);
    const toUs = nowUs();
    clients.forEach((c) => c.close());
    await agent.stop();
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`the profiled agent wrote no .cpuprofile:\n${agent.log}`);
    const onStack = PROFILED_PHASES.map((p) => p.fn);
    const summary = summarizeCpuProfile(path.join(dir, file), { fromUs, toUs, onStack });
    const phases = summary.stacks.map((st, i) => ({ ...st, what: PROFILED_PHASES[i].what }));
    return {
      latency: stats(samples),
      calls: samples.length,
      windowMs: (toUs - fromUs) / 1000,
      ...summary,
      phases,
    };
  } finally {
    await agent.stop();
  }
}

// ---------------------------------------------------------------- report

const { section } = require('./workload-api-report');

async function main() {
  const loadStart = h.loadavg();
  const server = await h.ServerProcess.create('lanyard-bench-wl-');
  let floor;
  let agent;
  try {
    await server.start();
    const admin = server.admin();
    const roots = await h.bundleRoots(admin);
    const pem = roots.map((r) => new crypto.X509Certificate(r).toString()).join('');
    agent = await startAgent(server, admin, pem, 'agent', ENTRIES);
    const sizes = await answerSizes(agent.socketPath);
    const floorSocket = path.join(server.dir, 'floor.sock');
    floor = await startFloor(floorSocket);
    const calls = (f) => Object.fromEntries(Object.entries(AGENT_CALLS).map(([k, c]) => [k, f(k, c)]));
    const sides = {
      agent: { socketPath: agent.socketPath, calls: AGENT_CALLS, pid: agent.child.pid },
      floor: { socketPath: floorSocket, calls: calls((k, c) => floorOf(c, sizes[k])), pid: floor.pid },
    };
    const results = await measureAll(sides);
    await agent.stop();
    const profile = await profileAgent(server, admin, pem);
    admin.close();
    const run = {
      results,
      sizes,
      profile,
      loadStart,
      loadEnd: h.loadavg(),
      params: { REQUESTS, NEW_CONNS, CONNECTIONS, ENTRIES, ROUNDS, GOALS },
    };
    const text = section(run);
    console.log(text);
    if (WRITE) h.writeSection('Agent Workload API', text);
  } finally {
    if (agent) await agent.stop();
    if (floor) floor.kill();
    await server.destroy();
  }
}

if (process.argv[2] === '--serve-floor') void serveFloor(process.argv[3]);
else
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
