/**
 * The machine's own ceiling for the signing pool, measured (helper of `ca-issue.js` and `server-svid.js`): the
 * node:crypto floor of a CSR issuance (import a P-256 key from JWK + verify a signature with it + sign 420 bytes
 * with a CA key) run in one worker thread alone, then in N worker threads at once. No Lanyard code runs here: the
 * ratio says how much faster N threads of pure OpenSSL work are than one on this box right now, which bounds what
 * any signing pool can reach. The threads are started once, prepare their keys, and then run each timed loop on
 * command, so a measurement includes no thread start-up.
 */
'use strict';

const crypto = require('node:crypto');
const { setTimeout, clearTimeout } = require('node:timers');
const { Worker, isMainThread, parentPort } = require('node:worker_threads');
const { loopRate, median } = require('./signing-report');

const KEYS = 64;
/** A loop that has not reported this long after its end is taken for a stuck thread. */
const GRACE_MS = 60_000;

/** In a worker: the floor as a function of the iteration, over keys made once. */
function makeFloor() {
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
  return (i) => {
    const s = signed[i % KEYS];
    const key = crypto.createPublicKey({ key: s.jwk, format: 'jwk' });
    if (!crypto.verify('sha256', s.info, key, s.signature))
      throw new Error('floor: signature did not verify');
    return crypto.sign('sha256', tbs, caKey);
  };
}

/** `threads` worker threads, each ready to run the floor for a given time on command. */
class FloorThreads {
  /** Starts the threads and waits until each has made its keys and warmed up. */
  static async start(threads) {
    const workers = Array.from({ length: threads }, () => new Worker(__filename));
    const pool = new FloorThreads(workers);
    try {
      await Promise.all(workers.map((worker) => pool.reply(worker, GRACE_MS)));
      return pool;
    } catch (err) {
      await pool.close();
      throw err;
    }
  }

  constructor(workers) {
    this.workers = workers;
  }

  /** The summed rate of the floor on the first `count` threads, all started at once, over `seconds`. */
  async rate(count, seconds) {
    const running = this.workers.slice(0, count);
    const replies = running.map((worker) => this.reply(worker, seconds * 1000 + GRACE_MS));
    for (const worker of running) worker.postMessage({ seconds });
    const rates = await Promise.all(replies);
    return rates.reduce((a, b) => a + b, 0);
  }

  /** Terminates the threads. */
  async close() {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  /** The next message of `worker`, or an error after `timeoutMs` or when it fails or exits. */
  reply(worker, timeoutMs) {
    return new Promise((resolve, reject) => {
      const done = (fn, value) => {
        clearTimeout(timer);
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        fn(value);
      };
      const onMessage = (value) => done(resolve, value);
      const onError = (err) => done(reject, err);
      const onExit = (code) => done(reject, new Error(`floor thread exited (code ${code})`));
      const timer = setTimeout(
        () => done(reject, new Error(`floor thread gave no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    });
  }
}

/**
 * The floor on one thread and on `threads` at once, alternating over `rounds` of `seconds` each; returns the
 * median rates and the median of the per-round ratios (`factor`).
 */
async function floorScaling(threads, { seconds = 1, rounds = 3 } = {}) {
  const pool = await FloorThreads.start(threads);
  try {
    const one = [];
    const all = [];
    for (let r = 0; r < rounds; r++) {
      one.push(await pool.rate(1, seconds));
      all.push(await pool.rate(threads, seconds));
    }
    return { threads, one: median(one), all: median(all), factor: median(all.map((v, r) => v / one[r])) };
  } finally {
    await pool.close();
  }
}

module.exports = { FloorThreads, floorScaling };

if (!isMainThread) {
  const floor = makeFloor();
  for (let i = 0; i < 200; i++) floor(i); // warm-up
  parentPort.on('message', ({ seconds }) => parentPort.postMessage(loopRate(floor, seconds).wall));
  parentPort.postMessage('ready');
} else if (require.main === module) {
  const threads = Number(process.argv[2]) || require('node:os').availableParallelism();
  floorScaling(threads).then((s) =>
    console.log(
      `node:crypto floor: ${Math.round(s.one)}/s on 1 thread, ${Math.round(s.all)}/s on ${threads} (${s.factor.toFixed(2)}×)`,
    ),
  );
}
