#!/usr/bin/env node
/**
 * SPIFFE library verification benchmark (CommonJS, runs against the built packages; build first with
 * `npx tsc --build spiffe test-support`).
 *
 * Measures on one thread, interleaved in rounds so a noisy shared box affects every case alike:
 *   - raw `crypto.verify` ES256 (sha256, P-256, IEEE-P1363) over a JWT-sized signing input: the floor,
 *   - `JwtSvid.parseAndValidate` of an ES256 JWT-SVID against a JwtBundle (decode, claims, kid lookup, verify),
 *   - `verifyX509Svid` from DER bytes (parse + path build + checks) for leaf <- root and leaf <- intermediate <- root,
 *   - `verifyX509Svid` on already-parsed certificate objects (signature results cached per object pair).
 * Writes the "## SPIFFE library" section of docs/benchmarks.md (other sections are left alone).
 *
 * Usage: node bench/spiffe-verify.js [--seconds 1] [--rounds 5] [--no-write]
 */
'use strict';

const { Buffer } = require('node:buffer');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
for (const pkg of ['spiffe', 'test-support']) {
  if (!fs.existsSync(path.join(root, pkg, 'dist', 'index.js'))) {
    console.error(`${pkg}/dist is missing: run \`npx tsc --build spiffe test-support\` first`);
    process.exit(1);
  }
}
const spiffe = require(path.join(root, 'spiffe', 'dist'));
const { TestCa } = require(path.join(root, 'test-support', 'dist'));

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SECONDS = Math.min(opt('seconds', 1), 30);
const ROUNDS = Math.min(opt('rounds', 5), 15);
const WRITE = !args.includes('--no-write');
const MAX_ITERATIONS = 10_000_000;

/** Runs `fn` repeatedly for about `seconds` (checking the clock every 64 calls); returns calls per second. */
function rate(fn, seconds) {
  const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const start = process.hrtime.bigint();
  let n = 0;
  while (n < MAX_ITERATIONS) {
    for (let i = 0; i < 64; i++) fn();
    n += 64;
    if (process.hrtime.bigint() >= deadline) break;
  }
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

function setup() {
  const td = spiffe.TrustDomain.parse('example.org');
  const ca = TestCa.create({ trustDomain: 'example.org' });
  const inter = ca.createIntermediate();
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwtBundle = new spiffe.JwtBundle(td, [['k1', publicKey]]);
  const token = spiffe.signJwtSvid(
    { key: privateKey, kid: 'k1' },
    {
      sub: 'spiffe://example.org/ns/prod/sa/web',
      aud: 'spiffe://example.org/api',
      exp: Math.floor(Date.now() / 1000) + 3600,
    },
  );
  const [h, p, s] = token.split('.');
  const x509Bundle = spiffe.X509Bundle.parse(td, ca.bundleDer());
  const direct = ca.issueX509Svid({ spiffeId: 'spiffe://example.org/direct' }).chainDer;
  const chained = inter.issueX509Svid({ spiffeId: 'spiffe://example.org/chained' }).chainDer;
  const parsed = spiffe.parseCertificates(chained);
  const leafDer = parsed[0].raw;
  return {
    raw: {
      input: Buffer.from(`${h}.${p}`),
      sig: Buffer.from(s, 'base64url'),
      key: { key: publicKey, dsaEncoding: 'ieee-p1363' },
    },
    token,
    jwtBundle,
    x509Bundle,
    direct,
    chained,
    parsed,
    leafDer,
  };
}

function cases(f) {
  const audiences = ['spiffe://example.org/api'];
  return {
    'raw crypto.verify ES256': () => {
      if (!crypto.verify('sha256', f.raw.input, f.raw.key, f.raw.sig)) throw new Error('raw verify failed');
    },
    'new crypto.X509Certificate(leaf DER), for reference': () => new crypto.X509Certificate(f.leafDer),
    'JwtSvid.parseAndValidate ES256': () =>
      spiffe.JwtSvid.parseAndValidate(f.token, { bundles: f.jwtBundle, audience: audiences }),
    'verifyX509Svid DER, leaf <- root (1 signature)': () => spiffe.verifyX509Svid(f.direct, f.x509Bundle),
    'verifyX509Svid DER, leaf <- intermediate <- root (2 signatures)': () =>
      spiffe.verifyX509Svid(f.chained, f.x509Bundle),
    'verifyX509Svid parsed objects, 2-level chain (cached signatures)': () =>
      spiffe.verifyX509Svid(f.parsed, f.x509Bundle),
  };
}

const RAW = 'raw crypto.verify ES256';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Each round measures every case bracketed by two half-length raw-verify runs and records the case's rate and
 * its ratio to the mean of the two raw runs around it, so load swings on the shared box cancel out of the ratio.
 */
function measure() {
  const all = cases(setup());
  const rates = Object.fromEntries(Object.keys(all).map((k) => [k, []]));
  const ratios = Object.fromEntries(Object.keys(all).map((k) => [k, []]));
  for (const fn of Object.values(all)) rate(fn, 0.2); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, fn] of Object.entries(all)) {
      if (name === RAW) continue;
      const before = rate(all[RAW], SECONDS / 2);
      const value = rate(fn, SECONDS);
      const after = rate(all[RAW], SECONDS / 2);
      rates[name].push(value);
      ratios[name].push(value / ((before + after) / 2));
      rates[RAW].push(before, after);
      ratios[RAW].push(1);
    }
  }
  return Object.fromEntries(
    Object.keys(all).map((k) => [k, { rate: median(rates[k]), ratio: median(ratios[k]) }]),
  );
}

/** Target (issue): ES256 JWT-SVID validations per second on one thread. */
const JWT_TARGET = 10_000;
const JWT = 'JwtSvid.parseAndValidate ES256';
const PARSE = 'new crypto.X509Certificate(leaf DER), for reference';
const DER2 = 'verifyX509Svid DER, leaf <- intermediate <- root (2 signatures)';
const PARSED2 = 'verifyX509Svid parsed objects, 2-level chain (cached signatures)';

/** Sentences computed from this run's figures: the target's verdict and what the ratios say. */
function analysis(results) {
  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  const jwt = results[JWT];
  const raw = results[RAW].rate;
  const verdict = jwt.rate >= JWT_TARGET ? 'met' : '**missed**';
  const floorNote =
    raw < JWT_TARGET
      ? `the raw verify floor itself ran at ${fmt(raw)}/s, below the target, so on this machine at this load ` +
        'no ES256 validator would meet it'
      : `the raw verify floor ran at ${fmt(raw)}/s`;
  return [
    `Target (issue): ≥ ${fmt(JWT_TARGET)} ES256 JWT-SVID validations/s on one thread: ${verdict} in this run ` +
      `(${fmt(jwt.rate)}/s, ${jwt.ratio.toFixed(2)} of raw verify); ${floorNote}.`,
    `Parsing one leaf DER into \`X509Certificate\` cost ${(1 / results[PARSE].ratio).toFixed(2)} raw ES256 ` +
      `verifies here, and the 2-signature chain from DER ran at ${results[DER2].ratio.toFixed(2)} of raw verify ` +
      `against ${results[PARSED2].ratio.toFixed(2)} on already-parsed objects, whose signature results are ` +
      'cached per (certificate, issuer) pair; TLS peers arrive as `X509Certificate` objects already.',
  ];
}

function section(results) {
  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  const rows = Object.entries(results).map(
    ([name, r]) => `| ${name} | ${fmt(r.rate)}/s | ${r.ratio.toFixed(2)} |`,
  );
  const cpu = os.cpus();
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  return [
    '## SPIFFE library',
    '',
    `Measured ${new Date().toISOString().slice(0, 16)}Z by \`node bench/spiffe-verify.js\` on ${cpu[0].model}, ` +
      `${cpu.length} cores, Node ${process.version}, load average ${load} ` +
      '(the box is shared; treat rates as lower bounds).',
    '',
    `One thread, P-256 keys throughout. ${ROUNDS} rounds; in each, every case runs ${SECONDS} s between two`,
    `${SECONDS / 2} s runs of raw ES256 \`crypto.verify\`; the ratio is to the mean of those two, medians shown.`,
    '',
    '| operation | rate | ratio to raw ES256 verify |',
    '|---|---|---|',
    ...rows,
    '',
    ...analysis(results),
    '',
  ].join('\n');
}

function writeSection(text) {
  const file = path.join(root, 'docs', 'benchmarks.md');
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n\n';
  const start = current.indexOf('\n## SPIFFE library\n');
  let next;
  if (start < 0) {
    next = `${current.replace(/\n*$/, '\n\n')}${text}`;
  } else {
    const after = current.indexOf('\n## ', start + 1);
    next = current.slice(0, start + 1) + text + (after < 0 ? '' : current.slice(after));
  }
  fs.writeFileSync(file, next);
  console.log(`wrote the SPIFFE library section of ${file}`);
}

const results = measure();
for (const [name, r] of Object.entries(results)) {
  console.log(`${name}: ${Math.round(r.rate)}/s (x${r.ratio.toFixed(2)} raw)`);
}
const text = section(results);
if (WRITE) writeSection(text);
else console.log(`\n${text}`);
