#!/usr/bin/env node
/**
 * OIDC discovery provider benchmark: `GET /keys` against the real `lanyard-oidc-discovery-provider` binary
 * (file key source with two EC and one RSA JWT key, `insecure_addr` on loopback), with a bare `node:http` server
 * answering the same JWKS body as the floor, measured in the same run. Each target gets the same number of
 * keep-alive clients for the same time; reports requests per second and latency percentiles.
 * Writes the "## OIDC discovery provider" section of docs/benchmarks.md (other sections are left alone).
 *
 * Usage: node bench/oidc-keys.js [--seconds 5] [--clients 8] [--no-write]
 */
'use strict';

const { spawn } = require('node:child_process');
const { generateKeyPairSync } = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { fmt, freePort, loadavg, machine, ms, percentile, root, writeSection } = require('./server-harness');

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(args[i + 1]);
};
const SECONDS = flag('seconds', 5);
const CLIENTS = flag('clients', 8);
const WRITE = !args.includes('--no-write');
const BIN = path.join(root, 'oidc-discovery', 'dist', 'cli', 'main.js');
if (!fs.existsSync(BIN)) {
  console.error('oidc-discovery/dist is missing: run `npm run build` first');
  process.exit(1);
}

function bundleDocument() {
  const keys = [
    ['ec-1', generateKeyPairSync('ec', { namedCurve: 'P-256' })],
    ['ec-2', generateKeyPairSync('ec', { namedCurve: 'P-256' })],
    ['rsa-1', generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ].map(([kid, pair]) => ({ ...pair.publicKey.export({ format: 'jwk' }), kid, use: 'jwt-svid' }));
  return JSON.stringify({ keys, spiffe_sequence: 1 });
}

function get(agent, port) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/keys', agent }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
  });
}

async function waitReady(port) {
  const agent = new http.Agent();
  for (let i = 0; i < 600; i++) {
    try {
      await get(agent, port);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('the provider did not serve /keys within 30 s');
}

/** `CLIENTS` keep-alive loops for `SECONDS`; returns requests per second and latencies in ms. */
async function load(port) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const latencies = [];
  const end = Date.now() + SECONDS * 1000;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < end) {
        const t = process.hrtime.bigint();
        await get(agent, port);
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { rps: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-oidc-'));
  const loadStart = loadavg();
  const document = bundleDocument();
  fs.writeFileSync(path.join(dir, 'bundle.json'), document);
  const port = await freePort();
  fs.writeFileSync(
    path.join(dir, 'oidc.conf'),
    `log_level = "error"\ndomains = ["localhost"]\ninsecure_addr = "127.0.0.1:${port}"\n` +
      `file { path = "${path.join(dir, 'bundle.json')}" }\n`,
  );
  const provider = spawn(process.execPath, [BIN, '-config', path.join(dir, 'oidc.conf')], {
    stdio: 'inherit',
  });
  const served = JSON.stringify({
    keys: JSON.parse(document).keys.map((k) => {
      const jwk = { ...k };
      delete jwk.use;
      return jwk;
    }),
  });
  const floor = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(served);
  });
  await new Promise((r) => floor.listen(0, '127.0.0.1', r));
  try {
    await waitReady(port);
    await load(port); // warm-up, discarded
    const providerResult = await load(port);
    const floorResult = await load(floor.address().port);
    const result = { provider: providerResult, floor: floorResult, loadStart, loadEnd: loadavg() };
    console.log(JSON.stringify(result));
    if (WRITE) write(result);
  } finally {
    provider.kill('SIGTERM');
    floor.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function write({ provider, floor, loadStart, loadEnd }) {
  const ratio = provider.rps / floor.rps;
  const text =
    `## OIDC discovery provider\n\n` +
    `\`GET /keys\` on the real \`lanyard-oidc-discovery-provider\` (file source, 3 JWT keys, plain HTTP on ` +
    `loopback) next to a bare \`node:http\` server answering the same JWKS body, ${CLIENTS} keep-alive clients ` +
    `for ${SECONDS} s each, in the same run (\`node bench/oidc-keys.js\`). Machine: ${machine()}; load average ` +
    `${loadStart} at the start, ${loadEnd} at the end.\n\n` +
    `| target | requests/s | p50 | p99 |\n| --- | --- | --- | --- |\n` +
    `| provider \`/keys\` | ${fmt(provider.rps)} | ${ms(provider.p50)} | ${ms(provider.p99)} |\n` +
    `| bare node:http floor | ${fmt(floor.rps)} | ${ms(floor.p50)} | ${ms(floor.p99)} |\n\n` +
    `The provider served ${(ratio * 100).toFixed(0)} % of the floor's request rate ` +
    `(the issue sets no target for this figure).\n`;
  writeSection('OIDC discovery provider', text);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
