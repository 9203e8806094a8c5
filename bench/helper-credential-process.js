#!/usr/bin/env node
/**
 * `lanyard-helper` benchmark (CommonJS, runs against the built `helper/dist` and `test-support/dist`; build first
 * with `npm run build`).
 *
 * A Workload API test server (one identity, RSA JWT-SVIDs) and a loopback STS stand-in (parses the Query API
 * form and answers `AssumeRoleWithWebIdentity` XML; no token verification, so the numbers are the helper's)
 * run in this process. Measured, one at a time:
 *   - `node -e 0` (the floor: starting Node at all);
 *   - `lanyard-helper aws credential-process` cold (`-no-cache`: Workload API fetch + STS exchange) and cached
 *     (credentials read from the cache directory), each a fresh process, wall time to exit;
 *   - container-credentials endpoint requests with cached credentials over one keep-alive connection.
 * Writes the "## lanyard-helper credentials" section of docs/benchmarks.md (other sections are left alone).
 *
 * Usage: node bench/helper-credential-process.js [--runs 15] [--requests 3000] [--no-write]
 */
'use strict';

const { execFile } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const helperDist = path.join(root, 'helper', 'dist');
const supportDist = path.join(root, 'test-support', 'dist');
for (const dir of [helperDist, supportDist]) {
  if (!fs.existsSync(path.join(dir, 'index.js'))) {
    console.error(`${path.relative(root, dir)} is missing: run \`npm run build\` first`);
    process.exit(1);
  }
}
const helper = require(helperDist);
const { TestCa, WorkloadApiTestServer } = require(supportDist);
const { loadavg, writeSection } = require('./server-harness');

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(args[i + 1]);
};
const RUNS = flag('runs', 15);
const REQUESTS = flag('requests', 3000);
const WRITE = !args.includes('--no-write');
const ROLE = 'arn:aws:iam::111122223333:role/bench';
const BIN = path.join(helperDist, 'cli', 'main.js');

function startSts() {
  let n = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      n += 1;
      const exp = new Date(Date.now() + 3600_000).toISOString();
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        '<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>' +
          `<AccessKeyId>ASIABENCH${n}</AccessKeyId><SecretAccessKey>s</SecretAccessKey>` +
          `<SessionToken>t-${form.get('RoleSessionName')}</SessionToken><Expiration>${exp}</Expiration>` +
          '</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>',
      );
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${server.address().port}/` }),
    ),
  );
}

function timeProcess(argv) {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) =>
    execFile(process.execPath, argv, (err, stdout, stderr) => {
      if (err) reject(new Error(`${argv.join(' ')}: ${stderr || err.message}`));
      else resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, stdout });
    }),
  );
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: pct(s, 50), p90: pct(s, 90), p99: pct(s, 99), n: s.length };
}

async function seriesOf(argv) {
  const samples = [];
  for (let i = 0; i < RUNS; i++) samples.push((await timeProcess(argv)).ms);
  return stats(samples);
}

function get(agent, url, token) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = http.get(url, { agent, headers: { Authorization: token } }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(Number(process.hrtime.bigint() - start) / 1e6)
          : reject(new Error(`HTTP ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
  });
}

async function main() {
  const loadStart = loadavg();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helper-bench-'));
  const ca = TestCa.create({ trustDomain: 'example.org' });
  const workload = await WorkloadApiTestServer.start();
  workload.setJwtIdentities([
    { spiffeId: 'spiffe://example.org/bench', key: ca.createJwtKey({ kid: 'k1', keyType: 'rsa-2048' }) },
  ]);
  const sts = await startSts();
  try {
    const base = [BIN, 'aws', 'credential-process', '-roleArn', ROLE, '-stsEndpoint', sts.url];
    const common = [...base, '-agentAddress', workload.address, '-cacheDir', path.join(dir, 'cache')];
    await timeProcess(['-e', '0']);
    await timeProcess(common); // fills the cache and warms the file system cache
    const floor = await seriesOf(['-e', '0']);
    const cold = await seriesOf([...common, '-no-cache']);
    const cached = await seriesOf(common);

    const credentials = new helper.MemoizedCredentials(() =>
      helper.webIdentityCredentials({
        workloadApi: { address: workload.address },
        roleArn: ROLE,
        stsEndpoint: sts.url,
      }),
    );
    await credentials.get();
    const tokenFile = path.join(dir, 'container.token');
    const endpoint = await helper.startContainerEndpoint({ credentials, tokenFile, port: 0 });
    const token = fs.readFileSync(tokenFile, 'utf8');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const latencies = [];
    for (let i = 0; i < 200; i++) await get(agent, endpoint.url, token);
    for (let i = 0; i < REQUESTS; i++) latencies.push(await get(agent, endpoint.url, token));
    agent.destroy();
    await endpoint.close();
    const container = stats(latencies);
    const results = { floor, cold, cached, container, loadStart, loadEnd: loadavg() };
    console.log(JSON.stringify(results, null, 2));
    if (WRITE) writeSection('lanyard-helper credentials', section(results));
  } finally {
    sts.server.close();
    await workload.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const f = (ms) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(0));

function section(r) {
  const row = (name, s) => `| ${name} | ${f(s.p50)} | ${f(s.p90)} | ${s.n} |`;
  const goal = r.container.p99 <= 5 ? 'met' : 'NOT met';
  return [
    '## lanyard-helper credentials',
    '',
    `Measured by \`node bench/helper-credential-process.js\` on ${os.cpus().length} cores, Node ${process.version},` +
      ` load average ${r.loadStart} at start and ${r.loadEnd} at the end. Workload API test server and a loopback`,
    'STS stand-in (no token verification) in the benchmark process; each command is a fresh process, wall time',
    'to exit, one at a time.',
    '',
    '| Command | p50 ms | p90 ms | runs |',
    '|---|---|---|---|',
    row('`node -e 0` (floor)', r.floor),
    row('`lanyard-helper aws credential-process -no-cache` (cold: Workload API + STS)', r.cold),
    row('`lanyard-helper aws credential-process` (cached)', r.cached),
    '',
    `Cached over the floor: ${f(r.cached.p50 - r.floor.p50)} ms at p50; cold over cached: ` +
      `${f(r.cold.p50 - r.cached.p50)} ms. No goal is set for the command's times.`,
    '',
    `Container-credentials endpoint, cached credentials, one keep-alive connection, ${r.container.n} requests:`,
    `p50 ${f(r.container.p50)} ms, p90 ${f(r.container.p90)} ms, p99 ${f(r.container.p99)} ms (goal p99 ≤ 5 ms: ${goal}).`,
    '',
  ].join('\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
