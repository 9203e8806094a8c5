#!/usr/bin/env node
/**
 * Shared helpers for the system-level server benchmarks (`server-svid.js`, `server-coldstart.js`,
 * `server-batch-create.js`, `agent-sync.js`, `many-agents.js`): a real `lanyard-server run` child process in a
 * temp dir (SQLite, or PostgreSQL when given a URL), the admin API on its Unix socket, join-token attestation
 * of simulated agents over TLS, their own mTLS channels, CSRs, percentiles, machine facts and the section
 * writer for docs/benchmarks.md. Runs against the built `dist/`.
 *
 * Run directly it measures nothing (bench/run.js runs every file here).
 */
'use strict';

const { Buffer } = require('node:buffer');
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { setTimeout, clearTimeout } = require('node:timers');
const { URL } = require('node:url');

const root = path.resolve(__dirname, '..');
const SERVER_BIN = path.join(root, 'server', 'dist', 'cli', 'main.js');
const AGENT_BIN = path.join(root, 'agent', 'dist', 'cli', 'main.js');

/** Loads a built module or exits with the build hint. */
function requireBuilt(rel) {
  const file = path.join(root, rel);
  if (!fs.existsSync(`${file}.js`) && !fs.existsSync(path.join(file, 'index.js'))) {
    console.error(`${rel} is missing: build first with \`npx tsc --build tsconfig.build.json\``);
    process.exit(1);
  }
  return require(file);
}

const grpc = require(require.resolve('@grpc/grpc-js', { paths: [path.join(root, 'server')] }));
const proto = requireBuilt('proto/dist');
const serverDist = requireBuilt('server/dist');
const base = requireBuilt('base/dist');
const w = base.der;
const { Oid } = w;

const TRUST_DOMAIN = 'example.org';
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** Command-line helpers: `--name value` numbers and `--flag` switches. */
function cliArgs() {
  const args = process.argv.slice(2);
  return {
    num(name, fallback, max = Number.MAX_SAFE_INTEGER) {
      const i = args.indexOf(`--${name}`);
      return i >= 0 ? Math.min(Number(args[i + 1]), max) : fallback;
    },
    has: (name) => args.includes(`--${name}`),
  };
}

/**
 * Node flags that write a CPU profile of the server, when `enabled`, into `options.dir` (default: a shared temp
 * dir, printed) sampling every `options.intervalUs` µs (default V8's 1,000).
 */
function profileFlags(enabled, options = {}) {
  if (!enabled) return [];
  const dir = options.dir ?? path.join(os.tmpdir(), 'lanyard-bench-prof');
  fs.mkdirSync(dir, { recursive: true });
  if (options.dir === undefined) console.log(`server CPU profiles go to ${dir}`);
  const interval = options.intervalUs === undefined ? [] : [`--cpu-prof-interval=${options.intervalUs}`];
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...interval];
}

/**
 * Request/response over a child's IPC channel to a preloaded probe: `ask(msg)` sends `msg` with an id and
 * resolves with the probe's `result` for that id (rejects with its `error`, or when the child exits first).
 */
function ipcAsk(child) {
  const pending = new Map();
  let nextId = 0;
  child.on('message', (msg) => {
    const waiter = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error) waiter?.reject(new Error(`probe: ${msg.error}`));
    else waiter?.resolve(msg.result);
  });
  child.on('exit', () => {
    for (const waiter of pending.values()) waiter.reject(new Error('probe: the process exited'));
    pending.clear();
  });
  return (msg) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ ...msg, id });
    });
}

/** A free loopback TCP port. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** `plugin_data` lines of the SQL datastore: SQLite in `dataDir`, or PostgreSQL when `postgresUrl` is given. */
function datastoreHcl(dataDir, postgresUrl) {
  if (postgresUrl === undefined) {
    return `database_type = "sqlite3"
            connection_string = "${path.join(dataDir, 'datastore.sqlite3')}"`;
  }
  return `database_type = "postgres"
            connection_string = "${postgresUrl}"`;
}

/**
 * SPIRE-style HCL for a server on SQLite in `dir` (or on PostgreSQL at `postgresUrl`), quiet logging, HTTP
 * health listener on `healthPort`; `extraServerHcl` goes inside `server {}`.
 */
function serverConfig({ dir, port, healthPort, socketPath, extraServerHcl, postgresUrl }) {
  const dataDir = path.join(dir, 'data');
  return `server {
    bind_address = "127.0.0.1"
    bind_port = ${port}
    socket_path = "${socketPath}"
    trust_domain = "${TRUST_DOMAIN}"
    data_dir = "${dataDir}"
    log_level = "WARN"
    default_x509_svid_ttl = "1h"
${extraServerHcl}
}
plugins {
    DataStore "sql" {
        plugin_data {
            ${datastoreHcl(dataDir, postgresUrl)}
        }
    }
    KeyManager "disk" {
        plugin_data {
            keys_path = "${path.join(dataDir, 'keys.json')}"
        }
    }
    NodeAttestor "join_token" {
        plugin_data {}
    }
}
health_checks {
    listener_enabled = true
    bind_address = "127.0.0.1"
    bind_port = ${healthPort}
}
`;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function processCpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

/** Resident set size of a process in bytes, from /proc (Linux). */
function processRssBytes(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** A `lanyard-server run` child process with its own temp directory (config, data, sockets). */
class ServerProcess {
  constructor(dir, port, healthPort, extraServerHcl = '', postgresUrl = undefined) {
    this.dir = dir;
    this.extraServerHcl = extraServerHcl;
    this.postgresUrl = postgresUrl;
    this.port = port;
    this.healthPort = healthPort;
    this.socketPath = path.join(dir, 'api.sock');
    this.configPath = path.join(dir, 'server.conf');
    this.sqlitePath = path.join(dir, 'data', 'datastore.sqlite3');
    this.log = '';
    this.child = undefined;
    fs.writeFileSync(this.configPath, serverConfig(this));
  }

  /**
   * A fresh temp dir and free ports (`extraServerHcl` inside `server {}`; the datastore on PostgreSQL when
   * `options.postgresUrl` is given, else SQLite in the temp dir); nothing is started yet.
   */
  static async create(prefix = 'lanyard-bench-server-', extraServerHcl = '', options = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    return new ServerProcess(dir, await freePort(), await freePort(), extraServerHcl, options.postgresUrl);
  }

  /**
   * Spawns `lanyard-server run` (extra node flags, e.g. `--cpu-prof` or `-r <probe>`, go before the script);
   * with `options.ipc` the child gets an IPC channel and {@link ServerProcess#ask} talks to a preloaded probe.
   */
  spawn(nodeFlags = [], options = {}) {
    this.log = '';
    this.child = spawn(process.execPath, [...nodeFlags, SERVER_BIN, 'run', '-config', this.configPath], {
      stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
      cwd: this.dir,
    });
    this.ask = options.ipc ? ipcAsk(this.child) : undefined;
    const keep = (chunk) => {
      if (this.log.length < 100_000) this.log += chunk.toString();
    };
    this.child.stdout.on('data', keep);
    this.child.stderr.on('data', keep);
    this.exited = new Promise((resolve) => this.child.on('exit', resolve));
    return this.child;
  }

  get running() {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts and waits until the HTTP ready endpoint answers 200 (bounded by `timeoutMs`). */
  async start(timeoutMs = 60_000) {
    this.spawn();
    await this.waitReady(timeoutMs);
  }

  /** Polls `GET /ready` every `everyMs` until 200; returns ms since `since`. */
  async waitReady(timeoutMs = 60_000, everyMs = 10, since = nowMs()) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) {
        await delay(200); // let the pipes deliver the last output
        const how = this.child.signalCode ?? `code ${this.child.exitCode}`;
        throw new Error(`server exited (${how}):\n${this.log}`);
      }
      if ((await httpStatus(this.healthPort, '/ready')) === 200) return nowMs() - since;
      await delay(everyMs);
    }
    throw new Error(`server not ready after ${timeoutMs} ms:\n${this.log}`);
  }

  /** Admin clients on the Unix socket (every local caller is an admin). */
  admin() {
    return serverDist.connectAdmin(this.socketPath);
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000) {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Stops the process and removes the temp dir. */
  async destroy() {
    await this.stop().catch(() => undefined);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** HTTP status of GET 127.0.0.1:port/path, or 0 when the connection fails. */
function httpStatus(port, urlPath) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
  });
}

/** Promise for a callback-style unary call. */
const { unary } = requireBuilt('base/dist/grpc');

/** The trust bundle's X.509 roots (DER) via the admin API. */
async function bundleRoots(admin) {
  const bundle = await unary((opts, cb) => admin.bundle.GetBundle({}, opts, cb));
  return bundle.x509_authorities.map((a) => Buffer.from(a.asn1));
}

/** Creates a join token via the admin API; returns its value. */
async function joinToken(admin, ttl = 3600) {
  const res = await unary((opts, cb) => admin.agent.CreateJoinToken({ ttl, agent_id: null }, opts, cb));
  return res.value;
}

/** A PKCS#10 CSR (DER) for `keyPair`, empty subject, no attributes (the server takes only the key). */
function csrFor({ publicKey, privateKey }) {
  const info = w.seq(
    w.integer(0),
    w.seq(),
    publicKey.export({ type: 'spki', format: 'der' }),
    w.tlv(0xa0, Buffer.alloc(0)),
  );
  const signature = crypto.sign('sha256', info, privateKey);
  return w.seq(info, w.seq(w.oid(Oid.ecdsaWithSha256)), w.bitString(signature));
}

const newKeyPair = () => crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

/** gRPC channel credentials that verify the server as `spiffe://<td>/spire/server`, optionally with a client SVID. */
function serverCredentials(roots, svid) {
  const expected = `spiffe://${TRUST_DOMAIN}/spire/server`;
  const checkServerIdentity = (_host, cert) =>
    (cert.subjectaltname || '') === `URI:${expected}` ? undefined : new Error(`unexpected server identity`);
  return grpc.credentials.createSsl(
    Buffer.from(base.encodePemBlocks('CERTIFICATE', roots)),
    svid ? Buffer.from(svid.privateKey.export({ type: 'pkcs8', format: 'pem' })) : null,
    svid ? Buffer.from(base.encodePemBlocks('CERTIFICATE', svid.certChainDer)) : null,
    { checkServerIdentity },
  );
}

/** SPIRE server API clients on one channel of their own to the TLS port (extra grpc-js `channelOptions` allowed). */
function tlsClients(port, roots, svid, channelOptions = {}) {
  const creds = serverCredentials(roots, svid);
  const target = `127.0.0.1:${port}`;
  const channel = new grpc.Channel(target, creds, {
    'grpc.ssl_target_name_override': 'spire-server',
    'grpc.default_authority': 'spire-server',
    'grpc.max_receive_message_length': 256 * 1024 * 1024,
    ...channelOptions,
  });
  const apis = proto.loadSpireServerApis().spire.api.server;
  const opts = { channelOverride: channel };
  return {
    agent: new apis.agent.v1.Agent(target, creds, opts),
    entry: new apis.entry.v1.Entry(target, creds, opts),
    svid: new apis.svid.v1.SVID(target, creds, opts),
    bundle: new apis.bundle.v1.Bundle(target, creds, opts),
    close: () => channel.close(),
  };
}

/** Join-token AttestAgent over server-authenticated TLS; resolves with the agent's ID, key and SVID chain. */
async function attestAgent(port, roots, token) {
  const key = newKeyPair();
  const clients = tlsClients(port, roots, undefined);
  try {
    const result = await new Promise((resolve, reject) => {
      const call = clients.agent.AttestAgent({ deadline: new Date(Date.now() + 30_000) });
      call.on('data', (msg) => {
        if (msg.result) {
          call.end();
          resolve(msg.result);
        }
      });
      call.on('error', reject);
      call.write({
        params: { data: { type: 'join_token', payload: Buffer.from(token) }, params: { csr: csrFor(key) } },
      });
    });
    const id = result.svid.id;
    return {
      agentId: `spiffe://${id.trust_domain}${id.path}`,
      privateKey: key.privateKey,
      certChainDer: result.svid.cert_chain.map((c) => Buffer.from(c)),
    };
  } finally {
    clients.close();
  }
}

/** Splits `spiffe://td/path` into the wire `SPIFFEID`. */
function wireId(id) {
  const u = new URL(id);
  return { trust_domain: u.host, path: u.pathname };
}

/** A wire `spire.api.types.Entry` for BatchCreateEntry. */
function wireEntry({ spiffeId, parentId, selectors, dnsNames = [] }) {
  return {
    spiffe_id: wireId(spiffeId),
    parent_id: wireId(parentId),
    selectors,
    x509_svid_ttl: 3600,
    jwt_svid_ttl: 300,
    dns_names: dnsNames,
    federates_with: [],
    admin: false,
    downstream: false,
    expires_at: 0,
    store_svid: false,
    hint: '',
  };
}

/** BatchCreateEntry via the admin API; returns the created entry IDs (throws on any failed result). */
async function batchCreate(admin, entries) {
  const res = await unary(
    (opts, cb) => admin.entry.BatchCreateEntry({ entries, output_mask: { spiffe_id: true } }, opts, cb),
    120_000,
  );
  const bad = res.results.filter((r) => r.status.code !== 0);
  if (bad.length > 0) throw new Error(`${bad.length} entries failed: ${bad[0].status.message}`);
  return res.results.map((r) => r.entry.id);
}

/** One SyncAuthorizedEntries exchange (first response only); resolves with that response. */
function syncOnce(entryClient, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const call = entryClient.SyncAuthorizedEntries({ deadline: new Date(Date.now() + timeoutMs) });
    let done = false;
    call.on('data', (msg) => {
      if (done) return;
      done = true;
      call.cancel();
      resolve(msg);
    });
    call.on('error', (err) => {
      if (!done) reject(err);
    });
    call.write({ output_mask: null, ids: [] });
  });
}

/** Percentile (0..100) of a numeric array (nearest rank). */
function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const fmt = (x) => Math.round(x).toLocaleString('en-US');
const ms = (x) => `${x.toFixed(x < 10 ? 2 : 1)} ms`;

/** "Intel…, 2 cores, Node v20…" */
function machine() {
  const cpus = os.cpus();
  return `${(cpus[0] && cpus[0].model) || 'unknown CPU'}, ${cpus.length} cores, Node ${process.version}`;
}

const loadavg = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

/** Replaces (or appends) only the `## <title>` section of docs/benchmarks.md; re-reads the file right before writing. */
function writeSection(title, text) {
  const file = path.join(root, 'docs', 'benchmarks.md');
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = current.indexOf(`\n## ${title}\n`);
  let next;
  if (start < 0) next = current.replace(/\n*$/, '\n\n') + text;
  else {
    const after = current.indexOf('\n## ', start + 1);
    const rest = after < 0 ? '' : current.slice(after + 1);
    next = current.slice(0, start + 1) + (rest ? text.replace(/\n*$/, '\n\n') : text) + rest;
  }
  fs.writeFileSync(file, next);
  console.log(`wrote the "## ${title}" section of docs/benchmarks.md`);
}

/** Writes one `### …` part inside "## Server end to end" (re-reading the file right before). */
function writeServerPart(heading, text) {
  const file = path.join(root, 'docs', 'benchmarks.md');
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const title = '## Server end to end';
  const start = current.indexOf(`\n${title}\n`);
  const end = start < 0 ? -1 : current.indexOf('\n## ', start + 1);
  const body = start < 0 ? '\n' : current.slice(start + title.length + 2, end < 0 ? undefined : end + 1);
  const parts = splitParts(body);
  parts.set(heading, text);
  const order = [
    '### BatchNewX509SVID over mTLS',
    '### Cold start',
    '### BatchCreateEntry on the admin socket',
  ];
  const sorted = [...parts.keys()].sort((a, b) => rank(order, a) - rank(order, b));
  writeSection('Server end to end', [`${title}\n`, ...sorted.map((k) => parts.get(k))].join('\n'));
}

const rank = (order, key) => (order.indexOf(key) < 0 ? order.length : order.indexOf(key));

/** Splits a section body into its `### ` parts keyed by heading line. */
function splitParts(body) {
  const parts = new Map();
  const chunks = body.split(/\n(?=### )/);
  for (const chunk of chunks) {
    const trimmed = chunk.replace(/^\n+/, '');
    if (!trimmed.startsWith('### ')) continue;
    parts.set(trimmed.slice(0, trimmed.indexOf('\n')), trimmed.replace(/\n*$/, '\n'));
  }
  return parts;
}

module.exports = {
  AGENT_BIN,
  SERVER_BIN,
  ServerProcess,
  TRUST_DOMAIN,
  attestAgent,
  batchCreate,
  bundleRoots,
  cliArgs,
  csrFor,
  delay,
  fmt,
  freePort,
  grpc,
  httpStatus,
  ipcAsk,
  joinToken,
  loadavg,
  machine,
  ms,
  newKeyPair,
  nowMs,
  percentile,
  processCpuSeconds,
  profileFlags,
  processRssBytes,
  proto,
  requireBuilt,
  root,
  serverCredentials,
  serverDist,
  syncOnce,
  tlsClients,
  unary,
  wireEntry,
  wireId,
  writeSection,
  writeServerPart,
};

if (require.main === module) {
  console.log('server-harness.js: shared helpers for the server benchmarks; nothing to measure on its own');
}
