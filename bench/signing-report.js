/**
 * Shared helpers of `ca-issue.js` and `server-svid.js` (measures nothing): the timed loop both measure in-process
 * rates with, an in-process CPU profile summarised as the functions with the most self time, per-thread CPU of a
 * process from /proc, and goal verdicts worded from the numbers.
 */
'use strict';

const fs = require('node:fs');
const inspector = require('node:inspector');
const path = require('node:path');

const pct = (x) => `${Math.round(x * 100)}%`;

/** "goal ≥ 80%: met (92%)" / "goal ≥ 80%: **missed** (61%)" for a ratio. */
function ratioVerdict(value, goal) {
  return value >= goal
    ? `goal ≥ ${pct(goal)}: met (${pct(value)})`
    : `goal ≥ ${pct(goal)}: **missed** (${pct(value)})`;
}

/** The same for a speed-up factor ("goal ≥ 1.7×: missed (1.42×)"). */
function factorVerdict(value, goal) {
  const shown = `${value.toFixed(2)}×`;
  return value >= goal ? `goal ≥ ${goal}×: met (${shown})` : `goal ≥ ${goal}×: **missed** (${shown})`;
}

const post = (session, method, params) =>
  new Promise((resolve, reject) =>
    session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
  );

/**
 * Profiles `fn` run in a loop on this thread for `seconds` with V8's sampling profiler; returns the `top`
 * functions by share of the samples they were on top of the stack in (self time), as "name (file) n%".
 */
async function selfTimeProfile(fn, seconds, top = 5) {
  const session = new inspector.Session();
  session.connect();
  try {
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.setSamplingInterval', { interval: 200 });
    await post(session, 'Profiler.start');
    const end = Date.now() + seconds * 1000;
    for (let i = 0; Date.now() < end; i++) fn(i);
    const { profile } = await post(session, 'Profiler.stop');
    return summarise(profile, top);
  } finally {
    session.disconnect();
  }
}

function summarise(profile, top) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map();
  for (const n of profile.nodes) for (const child of n.children || []) parentOf.set(child, n);
  const hits = new Map();
  for (const id of profile.samples) {
    const name = frameName(byId.get(id), parentOf);
    hits.set(name, (hits.get(name) || 0) + 1);
  }
  const total = profile.samples.length || 1;
  return [...hits.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, n]) => ({ name, share: n / total }));
}

/**
 * "fn (file.js)" for JavaScript; a native frame is named after the JavaScript function that called it
 * ("verify (sig) → run"), since names like `run` alone say nothing.
 */
function frameName(node, parentOf) {
  const jsName = (n) => `${n.callFrame.functionName || '(anonymous)'} (${path.basename(n.callFrame.url)})`;
  if (node.callFrame.url) return jsName(node);
  let caller = parentOf.get(node.id);
  while (caller && !caller.callFrame.url) caller = parentOf.get(caller.id);
  const own = node.callFrame.functionName || '(native)';
  return caller ? `${jsName(caller)} → ${own}` : own;
}

/** The profile as prose, its `top` entries: "`crypto.verify` (native) 31%, …". */
function profileText(entries, top = 5) {
  return entries
    .slice(0, top)
    .map((e) => `\`${e.name}\` ${pct(e.share)}`)
    .join(', ');
}

/** Frames of the three node:crypto calls the floor makes (key import from JWK, verify, sign) and what they run. */
const FLOOR_CALLS =
  /^(getKeyObjectHandleFromJwk|createPublicKey|KeyObject|verifyOneShot|signOneShot) \((keys|sig)\)/;

/** Share of a {@link selfTimeProfile} (taken with a large `top`) spent inside the floor's node:crypto calls. */
function floorCallShare(entries) {
  return entries.filter((e) => FLOOR_CALLS.test(e.name)).reduce((sum, e) => sum + e.share, 0);
}

/**
 * Runs `fn(i)` in a tight loop on this thread for `seconds`; returns operations per wall second and per CPU-second
 * of this process (all its threads, so the garbage collector's helper threads count). Both benchmarks that compare
 * CSR issuance with its node:crypto floor use the CPU figure for the ratio: it does not depend on how much of a
 * core a busy box left this thread.
 */
function loopRate(fn, seconds) {
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  const cpu0 = process.cpuUsage();
  let n = 0;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 20; i++) fn(n++);
    now = process.hrtime.bigint();
  }
  const cpu = process.cpuUsage(cpu0);
  return { wall: n / (Number(now - start) / 1e9), cpu: n / ((cpu.user + cpu.system) / 1e6) };
}

/**
 * `fnA`'s CPU-second rate as a share of `fnB`'s, from `pairs` back-to-back pairs of short {@link loopRate} slices
 * (order alternating, so a drift of the box's speed hits both alike); returns the per-pair ratios. On a shared
 * box whose speed changes within seconds, two 1 s runs seconds apart can differ by more than the gap measured.
 */
function pairedCpuRatios(fnA, fnB, { pairs = 10, sliceSeconds = 0.2 } = {}) {
  const ratios = [];
  for (let p = 0; p < pairs; p++) {
    const [a, b] =
      p % 2 === 0
        ? [loopRate(fnA, sliceSeconds), loopRate(fnB, sliceSeconds)]
        : [loopRate(fnB, sliceSeconds), loopRate(fnA, sliceSeconds)].reverse();
    ratios.push(a.cpu / b.cpu);
  }
  return ratios;
}

/** The median of `values`. */
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const TICKS_PER_SECOND = 100;

/** CPU seconds of each thread of `pid` so far: the main thread (tid = pid) and the sum of all others. */
function threadCpuSeconds(pid) {
  let main = 0;
  let others = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    let stat;
    try {
      stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended between readdir and read
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const seconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime + stime
    if (tid === String(pid)) main += seconds;
    else others += seconds;
  }
  return { main, others };
}

/** CPU seconds per thread group used between two {@link threadCpuSeconds} readings. */
function threadCpuDelta(before, after) {
  return { main: after.main - before.main, others: after.others - before.others };
}

module.exports = {
  factorVerdict,
  floorCallShare,
  loopRate,
  median,
  pairedCpuRatios,
  pct,
  profileText,
  ratioVerdict,
  selfTimeProfile,
  threadCpuDelta,
  threadCpuSeconds,
};
