#!/usr/bin/env node
/**
 * JWT-SVID hot path benchmark: our `node:crypto` code vs `jose` on the same tokens and keys (CommonJS, runs
 * against the built packages; build first with `npx tsc --build spiffe`).
 *
 * Measures on one thread (jose calls awaited one after another), ours and jose alternating in short slices so a
 * noisy shared box affects both sides alike, for ES256 (P-256) and RS256 (RSA 2048):
 *   - verification: `JwtSvid.parseAndValidate` (ours: decode, header, claims, SPIFFE ID, kid lookup,
 *     `crypto.verify`, audience and time checks) vs jose `jwtVerify` with a kid resolver, the alg allow-list and
 *     the audience, and vs jose `compactVerify` (signature only),
 *   - signing: `signJwtSvid` (ours, `crypto.sign`) vs jose `SignJWT` with the same header and claims.
 * Both sides get the same `KeyObject`s (jose converts each once and caches it).
 * The conclusion for each operation is computed from the median ratio jose/ours against the 80% threshold of
 * issue 10 (below it the hot path stays on `node:crypto`).
 * Writes the "## JWT-SVID: node:crypto vs jose" section of docs/benchmarks.md (other sections are left alone).
 *
 * Usage: node bench/jwt-jose.js [--seconds 1] [--rounds 5] [--no-write]
 */
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
if (!fs.existsSync(path.join(root, 'spiffe', 'dist', 'index.js'))) {
  console.error('spiffe/dist is missing: run `npx tsc --build spiffe` first');
  process.exit(1);
}
const spiffe = require(path.join(root, 'spiffe', 'dist'));
const jose = require('jose');

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SECONDS = Math.min(opt('seconds', 1), 30);
const ROUNDS = Math.min(opt('rounds', 5), 15);
const WRITE = !args.includes('--no-write');
const THRESHOLD = 0.8;
const SLICES = 10;
const SECTION = '## JWT-SVID: node:crypto vs jose';
const AUDIENCE = 'spiffe://example.org/api';

/** Runs `fn` (sync or async) one call at a time for about `seconds`; returns calls, wall and CPU seconds. */
async function run(fn, seconds) {
  const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  let calls = 0;
  for (;;) {
    for (let i = 0; i < 16; i++) await fn();
    calls += 16;
    if (process.hrtime.bigint() >= deadline) break;
  }
  const used = process.cpuUsage(cpu);
  return { calls, wall: Number(process.hrtime.bigint() - start) / 1e9, cpu: (used.user + used.system) / 1e6 };
}

/**
 * Alternates ours and jose in SLICES short runs each (so a load swing on the shared box hits both alike);
 * returns each side's calls per wall second and per CPU second (CPU time counts every thread of the process,
 * including the libuv pool where WebCrypto runs).
 */
async function compare(ours, viaJose, seconds) {
  const total = { ours: { calls: 0, wall: 0, cpu: 0 }, jose: { calls: 0, wall: 0, cpu: 0 } };
  for (let i = 0; i < SLICES; i++) {
    for (const [side, fn] of [
      ['ours', ours],
      ['jose', viaJose],
    ]) {
      const r = await run(fn, seconds / SLICES);
      total[side].calls += r.calls;
      total[side].wall += r.wall;
      total[side].cpu += r.cpu;
    }
  }
  const rates = (t) => ({ wall: t.calls / t.wall, cpu: t.calls / t.cpu });
  return { ours: rates(total.ours), jose: rates(total.jose) };
}

/** Keys, a bundle and one token per algorithm, minted by our signer (jose must accept it too). */
function fixture(alg) {
  const pair =
    alg === 'ES256'
      ? crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const td = spiffe.TrustDomain.parse('example.org');
  const bundle = new spiffe.JwtBundle(td, [['k1', pair.publicKey]]);
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const claims = { sub: 'spiffe://example.org/ns/prod/sa/web', aud: AUDIENCE, exp };
  const token = spiffe.signJwtSvid({ key: pair.privateKey, kid: 'k1', alg }, claims);
  return { alg, pair, bundle, claims, token };
}

/** The three comparisons of one algorithm: [operation, ours, jose], each side a function returning a value. */
function comparisons(f) {
  const audiences = [AUDIENCE];
  const resolver = (header) => {
    const key = f.bundle.findJwtAuthority(header.kid);
    if (!key) throw new Error(`no key ${header.kid}`);
    return key;
  };
  const verifyOptions = { algorithms: [f.alg], audience: AUDIENCE };
  return [
    [
      `${f.alg} verify: jose jwtVerify`,
      () => spiffe.JwtSvid.parseAndValidate(f.token, { bundles: f.bundle, audience: audiences }),
      () => jose.jwtVerify(f.token, resolver, verifyOptions),
    ],
    [
      `${f.alg} verify: jose compactVerify (signature only)`,
      () => spiffe.JwtSvid.parseAndValidate(f.token, { bundles: f.bundle, audience: audiences }),
      () => jose.compactVerify(f.token, resolver, { algorithms: [f.alg] }),
    ],
    [
      `${f.alg} sign: jose SignJWT`,
      () => spiffe.signJwtSvid({ key: f.pair.privateKey, kid: 'k1', alg: f.alg }, f.claims),
      () =>
        new jose.SignJWT({
          aud: f.claims.aud,
          exp: f.claims.exp,
          iat: Math.floor(Date.now() / 1000),
          sub: f.claims.sub,
        })
          .setProtectedHeader({ alg: f.alg, kid: 'k1', typ: 'JWT' })
          .sign(f.pair.privateKey),
    ],
  ];
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Checks that both sides accept each other's tokens before timing anything. */
async function crossCheck(f) {
  await jose.jwtVerify(f.token, () => f.pair.publicKey, { algorithms: [f.alg], audience: AUDIENCE });
  const joseToken = await new jose.SignJWT(f.claims)
    .setProtectedHeader({ alg: f.alg, kid: 'k1', typ: 'JWT' })
    .sign(f.pair.privateKey);
  spiffe.JwtSvid.parseAndValidate(joseToken, { bundles: f.bundle, audience: [AUDIENCE] });
}

/** Each round compares ours and jose for every comparison; the ratio of a round is jose / ours. */
async function measure() {
  const all = [];
  for (const alg of ['ES256', 'RS256']) {
    const f = fixture(alg);
    await crossCheck(f);
    all.push(...comparisons(f));
  }
  const results = all.map(([name]) => ({ name, ours: [], jose: [], ratio: [], cpuRatio: [] }));
  for (const [, ours, viaJose] of all) await compare(ours, viaJose, 0.4); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < all.length; i++) {
      const m = await compare(all[i][1], all[i][2], SECONDS);
      results[i].ours.push(m.ours.wall);
      results[i].jose.push(m.jose.wall);
      results[i].ratio.push(m.jose.wall / m.ours.wall);
      results[i].cpuRatio.push(m.jose.cpu / m.ours.cpu);
    }
  }
  return results.map((r) => ({
    name: r.name,
    ours: median(r.ours),
    jose: median(r.jose),
    ratio: median(r.ratio),
    cpuRatio: median(r.cpuRatio),
  }));
}

/** Decided on the CPU ratio: calls per CPU second is what one dedicated core would do, whatever the box's load. */
function conclusion(r) {
  return r.cpuRatio >= THRESHOLD
    ? `jose at least ${THRESHOLD * 100}%: may use jose`
    : `jose below ${THRESHOLD * 100}%: stays on node:crypto`;
}

function section(results) {
  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  const rows = results.map(
    (r) =>
      `| ${r.name} | ${fmt(r.ours)}/s | ${fmt(r.jose)}/s | ${r.ratio.toFixed(2)} | ${r.cpuRatio.toFixed(2)} | ` +
      `${conclusion(r)} |`,
  );
  const decisive = results.filter((r) => !r.name.includes('signature only'));
  const below = decisive.filter((r) => r.cpuRatio < THRESHOLD).map((r) => r.name.split(':')[0]);
  const above = decisive.filter((r) => r.cpuRatio >= THRESHOLD).map((r) => r.name.split(':')[0]);
  const cpu = os.cpus();
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  return [
    SECTION,
    '',
    `Measured ${new Date().toISOString().slice(0, 16)}Z by \`node bench/jwt-jose.js\` on ${cpu[0].model}, ` +
      `${cpu.length} cores, Node ${process.version}, jose ${require('jose/package.json').version}, load average ` +
      `${load} (the box is shared; treat rates as lower bounds).`,
    '',
    `One thread (each jose call awaited before the next), the same tokens and \`KeyObject\`s on both sides.`,
    `${ROUNDS} rounds; in each, ours and jose alternate in ${SLICES} slices adding up to ${SECONDS} s per side;`,
    'medians of the rounds shown. Rates are calls per wall-clock second; the wall ratio is jose / ours in those.',
    'The CPU ratio is jose / ours in calls per CPU second of the whole process, i.e. what one dedicated core',
    'would do: jose runs WebCrypto on a libuv pool thread, which on a loaded box gets scheduler time of its own',
    'and so inflates its wall-clock rate; the conclusion therefore uses the CPU ratio. "Ours" is',
    '`JwtSvid.parseAndValidate` for verification (which also parses the SPIFFE ID, which jose does not) and',
    '`signJwtSvid` for signing.',
    '',
    '| comparison | ours (node:crypto) | jose | wall ratio | CPU ratio | conclusion |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    `Rule (issue 10, item 6a): the JWT-SVID hot path may stay on \`node:crypto\` where jose is below ` +
      `${THRESHOLD * 100}% of it on the same work (jwtVerify and SignJWT rows; compactVerify is shown for ` +
      'reference). In this run: ' +
      (below.length > 0 ? `below for ${below.join(', ')}` : 'below for none') +
      '; ' +
      (above.length > 0
        ? `at least ${THRESHOLD * 100}% for ${above.join(', ')}.`
        : `at least ${THRESHOLD * 100}% for none.`) +
      ' Tokens from outside Lanyard (cloud identity tokens, service-account tokens) are verified with jose ' +
      'whatever these numbers say.',
    '',
  ].join('\n');
}

function writeSection(text) {
  const file = path.join(root, 'docs', 'benchmarks.md');
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n\n';
  const start = current.indexOf(`\n${SECTION}\n`);
  let next;
  if (start < 0) {
    next = `${current.replace(/\n*$/, '\n\n')}${text}`;
  } else {
    const after = current.indexOf('\n## ', start + 1);
    next = current.slice(0, start + 1) + text + (after < 0 ? '' : current.slice(after));
  }
  fs.writeFileSync(file, next);
  console.log(`wrote the "${SECTION.slice(3)}" section of ${file}`);
}

measure().then(
  (results) => {
    for (const r of results) {
      console.log(
        `${r.name}: ours ${Math.round(r.ours)}/s, jose ${Math.round(r.jose)}/s, ratio ${r.ratio.toFixed(2)}, ` +
          `CPU ratio ${r.cpuRatio.toFixed(2)} (${conclusion(r)})`,
      );
    }
    if (WRITE) writeSection(section(results));
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
