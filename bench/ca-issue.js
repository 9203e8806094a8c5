#!/usr/bin/env node
/**
 * Server CA issuance benchmark (CommonJS, runs against the built `server/dist/ca`; build first with
 * `npm run build`).
 *
 * Measures on one thread, interleaved in rounds so a noisy shared box affects every case alike:
 *   - raw `crypto.sign('sha256', tbs-sized data, P-256 key)` (the ES256/ECDSA floor),
 *   - the node:crypto floor of any CSR issuance: import the CSR key + verify the CSR signature + sign,
 *   - `ServerCa.signX509SvidFromCsr` (PKCS#10 parse + signature verify + SPKI import + TBS build + sign),
 *   - `ServerCa.signX509Svid` with a ready KeyObject, and `ServerCa.signJwtSvid`;
 * then batches of CSRs through `ServerCa.signX509SvidsFromCsrs` on one thread vs on the signing worker pool
 * (`svid_signing_workers` = cores), also interleaved, with two batches in flight per worker so no worker waits for the
 * main thread between two; next to them, the box's own ceiling (the floor alone on one worker thread vs on as many
 * as there are cores, `floor-threads.js`); and the cost of one CSR in-thread vs one worker round trip. Issuance vs
 * the floor is the median of back-to-back pairs of short runs, as the box's speed drifts within seconds.
 * A goal that is missed gets a CPU profile of the case (self time, V8 sampling profiler) in the text.
 * Writes the "## Server CA" section of docs/benchmarks.md (other sections are left alone).
 *
 * Usage: node bench/ca-issue.js [--seconds 1] [--rounds 3] [--batch 50] [--no-write]
 */
'use strict';

const { Buffer } = require('node:buffer');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const caDist = path.join(root, 'server', 'dist', 'ca');
if (!fs.existsSync(path.join(caDist, 'index.js'))) {
  console.error('server/dist/ca is missing: run `npx tsc --build server` first');
  process.exit(1);
}
const { ServerCa, MemoryKeyManager } = require(caDist);
const { CsrSigningPool } = require(path.join(caDist, 'sign-pool', 'csr-signing-pool'));
const { POOL_MIN_BATCH } = require(path.join(caDist, 'csr-batch'));
const { FloorThreads } = require('./floor-threads');
const report = require('./signing-report');
const {
  factorVerdict,
  floorCallShare,
  loopRate,
  median,
  pairedCpuRatios,
  pct,
  profileText,
  ratioVerdict,
  threadCpuDelta,
  threadCpuSeconds,
} = report;
const w = require(path.join(root, 'base', 'dist')).der;
const { Oid } = w;

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SECONDS = opt('seconds', 1);
const BATCH = opt('batch', 50);
const ROUNDS = opt('rounds', 3);
const WRITE = !args.includes('--no-write');
const SPIFFE_ID = 'spiffe://example.org/ns/prod/sa/web';

/** A PKCS#10 CSR for a fresh P-256 key with one URI SAN, like an agent sends. */
function makeCsr() {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const san = w.seq(w.implicitPrimitive(6, Buffer.from(SPIFFE_ID)));
  const extReq = w.seq(
    w.oid(Oid.extensionRequest),
    w.set(w.seq(w.seq(w.oid(Oid.subjectAltName), w.octetString(san)))),
  );
  const info = w.seq(
    w.integer(0),
    w.seq(),
    publicKey.export({ type: 'spki', format: 'der' }),
    w.tlv(0xa0, extReq),
  );
  const signature = crypto.sign('sha256', info, privateKey);
  const csrDer = w.seq(info, w.seq(w.oid(Oid.ecdsaWithSha256)), w.bitString(signature));
  return { csrDer, publicKey, info, signature, jwk: publicKey.export({ format: 'jwk' }) };
}

const fmt = (x) => Math.round(x).toLocaleString('en-US');
const us = (x) => `${x.toFixed(0)} µs`;
const FLOOR_GOAL = 0.8;
const POOL_GOAL = 1.7;
/** Issuance vs floor: pairs of back-to-back slices, the ratio being the median of the pairs. */
const FLOOR_PAIRS = { pairs: 12, sliceSeconds: 0.2 };
/**
 * Warm-up of the pooled batch case before the rounds (the one-thread case runs code the other cases warmed):
 * every signing worker is a V8 isolate of its own that compiles and optimizes the issuance code afresh (the first
 * second through a new pool ran at about half its later rate).
 */
const WARM_UP_SECONDS = 2;
/** Batches kept in flight per signing worker: one being signed and one waiting, so no worker idles between two. */
const BATCHES_PER_WORKER = 2;
const quietLogger = { debug() {}, info() {}, warn() {}, error: (m, f) => console.error(m, f) };

/** Keeps `inFlight` batches outstanding for `seconds`; returns CSRs signed per second. */
async function batchRate(signBatch, batches, seconds, inFlight) {
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  let n = 0;
  const lane = async (k) => {
    for (let i = k; process.hrtime.bigint() < end; i += inFlight) {
      const outcomes = await signBatch(batches[i % batches.length]);
      const failed = outcomes.find((o) => 'error' in o);
      if (failed) throw failed.error;
      n += outcomes.length;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, (_, k) => lane(k)));
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

/** A self-signed P-256 CA authority for driving a bare `CsrSigningPool`. */
function benchAuthority() {
  const { createCertSigner } = require(path.join(caDist, 'der', 'signer'));
  const { spkiOf } = require(path.join(caDist, 'der', 'spki'));
  const { loadX509Authority } = require(path.join(caDist, 'x509-authority'));
  const { issueCaCertificate } = require(path.join(caDist, 'x509-templates'));
  const key = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  const certDer = issueCaCertificate(
    { signer: createCertSigner(key) },
    {
      trustDomainId: 'spiffe://example.org',
      spkiDer: spkiOf(key),
      subject: { country: ['US'] },
      ttlMs: 86_400_000,
    },
    Date.now(),
  );
  return loadX509Authority(
    { certDer, chainDer: [], rootsDer: [certDer], upstreamAuthoritySubjectKeyId: '' },
    key,
  );
}

/** One CSR at a time through a worker and back: wall time and main-thread CPU per CSR. */
async function hopCost(item, seconds) {
  const pool = new CsrSigningPool({ threads: 1, logger: quietLogger });
  const authority = benchAuthority();
  const settings = { trustDomain: 'example.org', defaultTtlSeconds: 3600 };
  try {
    for (let i = 0; i < 50; i++) await pool.sign(authority, [item], settings, Date.now()); // worker up, JIT warm
    const cpu0 = threadCpuSeconds(process.pid);
    const start = process.hrtime.bigint();
    const end = start + BigInt(Math.round(seconds * 1e9));
    let n = 0;
    for (; process.hrtime.bigint() < end; n++) await pool.sign(authority, [item], settings, Date.now());
    const wall = Number(process.hrtime.bigint() - start) / 1e9;
    const cpu = threadCpuDelta(cpu0, threadCpuSeconds(process.pid));
    return { wallUs: (wall / n) * 1e6, mainCpuUs: (cpu.main / n) * 1e6 };
  } finally {
    await pool.close();
  }
}

function openCa(dataDir, signingWorkers) {
  return ServerCa.create({
    trustDomain: 'example.org',
    dataDir,
    keyManager: new MemoryKeyManager(),
    signingWorkers,
  });
}

/** Interleaved rounds of every case; returns the per-round rates and the pooled runs' CPU by thread. */
async function measure(cases, batchCases, workers, floorThreads) {
  for (const fn of Object.values(cases)) loopRate(fn, 0.3); // warm-up (JIT, caches, workers up)
  await batchCases.batchOne(0.3);
  await batchCases.batchPool(WARM_UP_SECONDS);
  const results = Object.fromEntries(
    [...Object.keys(cases), ...Object.keys(batchCases), 'ceilingOne', 'ceilingAll'].map((k) => [k, []]),
  );
  const poolCpu = { main: 0, others: 0, wall: 0 };
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, fn] of Object.entries(cases)) {
      results[name].push(loopRate(fn, SECONDS).wall);
    }
    results.batchOne.push(await batchCases.batchOne(SECONDS));
    const cpu0 = threadCpuSeconds(process.pid);
    const t0 = process.hrtime.bigint();
    results.batchPool.push(await batchCases.batchPool(SECONDS));
    const cpu = threadCpuDelta(cpu0, threadCpuSeconds(process.pid));
    poolCpu.main += cpu.main;
    poolCpu.others += cpu.others;
    poolCpu.wall += Number(process.hrtime.bigint() - t0) / 1e9;
    results.ceilingOne.push(await floorThreads.rate(1, SECONDS));
    results.ceilingAll.push(await floorThreads.rate(workers, SECONDS));
    console.log(
      `round ${r + 1}: ${Object.entries(results)
        .map(([k, v]) => `${k}=${fmt(v[r])}/s`)
        .join(' ')}`,
    );
  }
  return { results, poolCpu };
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lanyard-ca-bench-'));
  const workers = os.availableParallelism();
  const ca = await openCa(path.join(dataDir, 'one'), 0);
  const pooled = await openCa(path.join(dataDir, 'pool'), workers);
  try {
    const csrs = Array.from({ length: 64 }, makeCsr);
    const caKey = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const tbsSized = crypto.randomBytes(420);
    const item = (i) => ({ csrDer: csrs[i & 63].csrDer, expectedSpiffeId: SPIFFE_ID });
    const inFlight = BATCHES_PER_WORKER * workers;
    const batches = Array.from({ length: 8 }, (_, b) =>
      Array.from({ length: BATCH }, (_, i) => item(b * BATCH + i)),
    );
    const sizes = { leafBytes: ca.signX509SvidFromCsr(item(0)).certChainDer[0].length };
    const cases = {
      rawSign: () => crypto.sign('sha256', tbsSized, caKey),
      floor: (i) => {
        const c = csrs[i & 63];
        const key = crypto.createPublicKey({ key: c.jwk, format: 'jwk' });
        if (!crypto.verify('sha256', c.info, key, c.signature)) throw new Error('bad csr');
        return crypto.sign('sha256', tbsSized, caKey);
      },
      fromCsr: (i) => ca.signX509SvidFromCsr(item(i)),
      fromKey: (i) => ca.signX509Svid({ spiffeId: SPIFFE_ID, publicKey: csrs[i & 63].publicKey }),
      jwt: () => ca.signJwtSvid({ spiffeId: SPIFFE_ID, audience: ['spire-server'] }),
    };
    const batchCases = {
      batchOne: (seconds) => batchRate((b) => ca.signX509SvidsFromCsrs(b), batches, seconds, inFlight),
      batchPool: (seconds) => batchRate((b) => pooled.signX509SvidsFromCsrs(b), batches, seconds, inFlight),
    };
    const floorThreads = await FloorThreads.start(workers);
    const { results, poolCpu } = await measure(cases, batchCases, workers, floorThreads).finally(() =>
      floorThreads.close(),
    );
    const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]));
    const best = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Math.max(...v)]));
    const ratios = {
      raw: median(results.fromCsr.map((v, r) => v / results.rawSign[r])),
      floor: median(pairedCpuRatios(cases.fromCsr, cases.floor, FLOOR_PAIRS)),
      pool: median(results.batchPool.map((v, r) => v / results.batchOne[r])),
      ceiling: median(results.ceilingAll.map((v, r) => v / results.ceilingOne[r])),
    };
    const hop = await hopCost(item(0), SECONDS);
    const profile =
      ratios.floor < FLOOR_GOAL ? await report.selfTimeProfile(cases.fromCsr, 1, Infinity) : undefined;
    const run = { m, best, ratios, sizes, hop, profile, workers, poolCpu };
    console.log(
      `median: ${JSON.stringify(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Math.round(v)])))}`,
    );
    console.log(analysis(run));
    if (WRITE) writeSection(run);
  } finally {
    await pooled.close();
    await ca.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The analysis sentences, each worded from this run's numbers. */
function analysis({ m, ratios, hop, profile, workers, poolCpu }) {
  const perCsrUs = 1e6 / m.fromCsr;
  const floorVsRaw = m.floor / m.rawSign;
  const lines = [
    `CSR issuance against the node:crypto floor (${ratioVerdict(ratios.floor, FLOOR_GOAL)}): issuance runs at ` +
      `**${pct(ratios.floor)}** of the floor that any CSR issuance must pay (per CPU-second of this process, ` +
      `median of ${FLOOR_PAIRS.pairs} back-to-back pairs of ${FLOOR_PAIRS.sliceSeconds} s runs; \`server-svid.js\` ` +
      'measures the same way).' +
      (profile
        ? ` Where its time goes (self time, V8 sampling profile of 1 s): ${profileText(profile)}; ` +
          `${pct(floorCallShare(profile))} of its samples are inside the three node:crypto calls the floor makes ` +
          '(key import, verify, sign), and the rest is parsing the CSR, building the certificate and collecting ' +
          'the garbage of both.'
        : ''),
    `The floor itself runs at ${pct(floorVsRaw)} of raw signing and CSR issuance at ${pct(ratios.raw)}: ` +
      (floorVsRaw < 0.5
        ? 'verifying the CSR signature and importing its key cost more than the certificate signature.'
        : 'the certificate signature is the larger part of the floor.'),
    `Issuing for a ready KeyObject runs at ${pct(m.fromKey / m.rawSign)} of raw signing.`,
    `Batches of ${BATCH} on ${workers} signing workers vs one thread (${factorVerdict(ratios.pool, POOL_GOAL)}, the ` +
      `end-to-end goal on 2 cores): ${fmt(m.batchPool)} vs ${fmt(m.batchOne)} CSRs/s (medians).` +
      ` The box's own ceiling, measured in the same rounds: the node:crypto floor alone ran ` +
      `${ratios.ceiling.toFixed(2)}× as fast on ${workers} worker threads at once as on one ` +
      `(${fmt(m.ceilingAll)} vs ${fmt(m.ceilingOne)}/s), so the pool reached ` +
      `${pct(ratios.pool / ratios.ceiling)} of what ${workers} threads of pure OpenSSL work got here` +
      (ratios.ceiling < POOL_GOAL
        ? `, and no pool can reach ${POOL_GOAL}× on this box while that holds.`
        : '.') +
      (ratios.pool < POOL_GOAL
        ? ` During the pooled runs this process used ${(poolCpu.main / poolCpu.wall).toFixed(2)} CPU-s per second ` +
          `on its main thread and ${(poolCpu.others / poolCpu.wall).toFixed(2)} on its other threads (workers, GC) ` +
          `with ${workers} cores; load average ${loadavg()} at the end.`
        : ''),
    `One CSR costs ${us(perCsrUs)} signed on the main thread and ${us(hop.wallUs)} as a round trip through an idle ` +
      `worker, of which ${us(hop.mainCpuUs)} is main-thread CPU; batches below ${POOL_MIN_BATCH} CSRs stay on the main ` +
      (hop.wallUs > perCsrUs
        ? 'thread, where a single CSR is answered sooner.'
        : `thread, although the hop answered a single CSR sooner in this run and would save ${us(perCsrUs - hop.mainCpuUs)} of main-thread CPU.`),
  ];
  return lines.join(' ');
}

const loadavg = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

function writeSection(run) {
  const { m, best, sizes, workers } = run;
  const cpu = (os.cpus()[0] && os.cpus()[0].model) || 'unknown CPU';
  const row = (label, k) => `| ${label} | ${fmt(m[k])}/s | ${fmt(best[k])}/s |`;
  const section = [
    '## Server CA',
    '',
    `Measured ${new Date().toISOString().slice(0, 16)}Z by \`node bench/ca-issue.js\` on ${cpu}, ${os.cpus().length} cores, ` +
      `Node ${process.version}, load average ${loadavg()} (the box is shared; treat numbers as lower bounds).`,
    '',
    `In-process, EC P-256 CA (\`ca_key_type = "ec-p256"\`), P-256 subject keys; ${ROUNDS} interleaved rounds of ` +
      `${SECONDS} s per case; median and best round shown (the best round is closest to an idle core). ` +
      `Leaf certificate ≈ ${sizes.leafBytes} bytes DER. The batch rows keep ${BATCHES_PER_WORKER * workers} batches of ${BATCH} CSRs ` +
      `in flight (${BATCHES_PER_WORKER} per signing worker) through \`ServerCa.signX509SvidsFromCsrs\`, on the main thread or on ${workers} signing workers.`,
    '',
    '| operation | median rate | best round |',
    '|---|---|---|',
    row("raw `crypto.sign('sha256', …)` with a P-256 KeyObject (ES256 floor), one thread", 'rawSign'),
    row(
      'node:crypto floor of a CSR issuance: import key (JWK) + verify CSR signature + sign, one thread',
      'floor',
    ),
    row(
      'X.509-SVID from CSR: parse PKCS#10 + verify CSR signature + import key + build TBS + sign, one thread',
      'fromCsr',
    ),
    row('X.509-SVID from a ready public KeyObject (`signX509Svid`), one thread', 'fromKey'),
    row('JWT-SVID ES256 (`signJwtSvid`), one thread', 'jwt'),
    row(`X.509-SVIDs from CSRs in batches of ${BATCH}, main thread`, 'batchOne'),
    row(`X.509-SVIDs from CSRs in batches of ${BATCH}, ${workers} signing workers`, 'batchPool'),
    row('node:crypto floor alone, in one worker thread (the ceiling below)', 'ceilingOne'),
    row(`node:crypto floor alone, in ${workers} worker threads at once`, 'ceilingAll'),
    '',
    analysis(run),
    '',
  ].join('\n');
  const file = path.join(root, 'docs', 'benchmarks.md');
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = current.indexOf('\n## Server CA\n');
  let next;
  if (start < 0) next = current.replace(/\n*$/, '\n\n') + section;
  else {
    const after = current.indexOf('\n## ', start + 1);
    next = current.slice(0, start + 1) + section + (after < 0 ? '' : `\n${current.slice(after + 1)}`);
  }
  fs.writeFileSync(file, next);
  console.log(`wrote the "## Server CA" section of ${path.relative(root, file)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
