/**
 * The machine's own ceiling for the signing pool, measured (helper of `ca-issue.js` and `server-svid.js`): the
 * node:crypto floor of a CSR issuance (import a P-256 key from JWK + verify a signature with it + sign 420 bytes
 * with a CA key) run in one worker thread alone, then in `threads` worker threads at once, alternating. No Lanyard
 * code runs here: the ratio says how much faster two threads of pure OpenSSL work are than one on this box right
 * now, which bounds what any signing pool can reach.
 */
'use strict';

const crypto = require('node:crypto');
const { setTimeout, clearTimeout } = require('node:timers');
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');

const KEYS = 64;

/** In a worker: floor operations per wall second over `seconds`. */
function floorLoop(seconds) {
  const caKey = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  const tbs = crypto.randomBytes(420);
  const signed = Array.from({ length: KEYS }, () => {
    const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const info = crypto.randomBytes(250);
    return {
      jwk: publicKey.export({ format: 'jwk' }),
      info,
      signature: crypto.sign('sha256', info, privateKey),
    };
  });
  const floor = (i) => {
    const s = signed[i % KEYS];
    const key = crypto.createPublicKey({ key: s.jwk, format: 'jwk' });
    if (!crypto.verify('sha256', s.info, key, s.signature))
      throw new Error('floor: signature did not verify');
    return crypto.sign('sha256', tbs, caKey);
  };
  for (let i = 0; i < 200; i++) floor(i); // warm-up
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  let n = 0;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 20; i++) floor(n++);
    now = process.hrtime.bigint();
  }
  return n / (Number(now - start) / 1e9);
}

/** Runs the floor in `count` worker threads at once for `seconds`; resolves with their summed rate per second. */
function floorRateOnThreads(count, seconds) {
  const deadlineMs = seconds * 1000 + 60_000; // key generation and start-up included, on a busy box
  const one = () => {
    const worker = new Worker(__filename, { workerData: { seconds } });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`floor worker gave no rate within ${deadlineMs} ms`));
        void worker.terminate();
      }, deadlineMs);
      worker.once('message', (rate) => {
        clearTimeout(timer);
        resolve(rate);
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`floor worker exited (code ${code}) before its rate`)));
    });
  };
  return Promise.all(Array.from({ length: count }, one)).then((rates) => rates.reduce((a, b) => a + b, 0));
}

/**
 * The floor on one worker thread and on `threads` at once, alternating over `rounds` of `seconds` each;
 * returns the median rates and the median of the per-round ratios (`factor`).
 */
async function floorScaling(threads, { seconds = 1, rounds = 3 } = {}) {
  const one = [];
  const all = [];
  for (let r = 0; r < rounds; r++) {
    one.push(await floorRateOnThreads(1, seconds));
    all.push(await floorRateOnThreads(threads, seconds));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { threads, one: median(one), all: median(all), factor: median(all.map((v, r) => v / one[r])) };
}

module.exports = { floorRateOnThreads, floorScaling };

if (!isMainThread) parentPort.postMessage(floorLoop(workerData.seconds));
else if (require.main === module) {
  const threads = Number(process.argv[2]) || require('node:os').availableParallelism();
  floorScaling(threads).then((s) =>
    console.log(
      `node:crypto floor: ${Math.round(s.one)}/s on 1 thread, ${Math.round(s.all)}/s on ${threads} (${s.factor.toFixed(2)}×)`,
    ),
  );
}
