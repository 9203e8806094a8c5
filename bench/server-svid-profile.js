#!/usr/bin/env node
/**
 * The CPU-profile part of `server-svid.js` (measures nothing): summarizes the `--cpu-prof` files a server wrote
 * (main thread and signing worker threads) over the benchmark's timed rounds into busy time per SVID by category
 * (see `cpu-profile-summary.js`), and words what they show: where each thread kind's time went, what grew per
 * SVID from the one-thread server to the pooled one, and the speed-up this run's CPU cost per SVID allows on
 * the box's cores.
 *
 * Run directly it measures nothing (bench/run.js skips it).
 */
'use strict';

const { describeShares, mergeSummaries, summarizeProfile, threadProfiles } = require('./cpu-profile-summary');

/** Shares under this are left out of the prose. */
const MIN_SHARE = 0.03;
/** Per-SVID changes smaller than this (µs) are not named. */
const MIN_DELTA_US = 2;

/** The main-thread and worker-thread summaries of the profiles in `dir`, counting only samples in `windows`. */
function serverProfile(dir, windows) {
  const files = threadProfiles(dir);
  if (!files.main) return undefined;
  const opts = { kind: 'signing', windows };
  const workers = files.workers.map((f) => summarizeProfile(f, opts));
  const wallMs = windows.reduce((acc, [from, to]) => acc + (to - from) / 1000, 0);
  return {
    main: { ...summarizeProfile(files.main, opts), wallMs },
    workers: workers.length > 0 ? { ...mergeSummaries(workers), wallMs: wallMs * workers.length } : undefined,
    workerCount: workers.length,
  };
}

/** µs of busy time per SVID, by category, of one thread summary. */
function perSvidUs(summary, svids) {
  const total = (summary.busyMs * 1000) / svids;
  return new Map(summary.shares.map((s) => [s.part, s.share * total]));
}

/** Adds the per-category µs of `b` into `a`. */
function addInto(a, b) {
  for (const [part, us] of b) a.set(part, (a.get(part) ?? 0) + us);
  return a;
}

const usText = (x) => `${x.toFixed(0)} µs`;
/** Share of the timed wall time a thread (or, for workers, each on average) was sampled running. */
const busyPct = (s) => `${Math.round((s.busyMs / Math.max(s.wallMs, 1e-9)) * 100)}%`;

/** "main thread: 45 µs per SVID, busy 30% of the time (gRPC … 40%, …)". */
function threadText(label, summary, svids) {
  return (
    `${label}: ${usText((summary.busyMs * 1000) / svids)} per SVID, running ${busyPct(summary)} of the timed ` +
    `wall time${label.includes('together') ? ' each' : ''} (${describeShares(summary, MIN_SHARE)})`
  );
}

/**
 * Sentences from both servers' profiles (`one`, `pool` as combined by `server-svid.js`, each with `profile`):
 * busy time per SVID by category and thread kind, and the categories that grew per SVID with the pool.
 */
function profileSentences(one, pool) {
  if (!one.profile || !pool.profile) return [];
  const p = pool.profile;
  const sentences = [
    'Sampled CPU profiles of both servers over the timed rounds (`--cpu-prof`; time = busy samples × the ' +
      'sampling interval, by the category of the sampled function or its nearest categorized caller): ' +
      `${threadText('the one-thread server’s main thread', one.profile.main, one.svids)}; ` +
      `${threadText('the pooled server’s main thread', p.main, pool.svids)}` +
      (p.workers
        ? `; ${threadText(`its ${p.workerCount} signing worker threads together`, p.workers, pool.svids)}.`
        : '; no signing worker thread wrote a profile.'),
  ];
  const before = perSvidUs(one.profile.main, one.svids);
  const after = addInto(perSvidUs(p.main, pool.svids), p.workers ? perSvidUs(p.workers, pool.svids) : []);
  const sum = (m) => [...m.values()].reduce((acc, x) => acc + x, 0);
  const diff = sum(after) - sum(before);
  const grown = [...after]
    .map(([part, us]) => ({ part, delta: us - (before.get(part) ?? 0) }))
    .filter((d) => Math.abs(d.delta) >= MIN_DELTA_US)
    .sort((a, b) => b.delta - a.delta);
  const signed = (x) => `${x >= 0 ? '+' : '−'}${usText(Math.abs(x))}`;
  sentences.push(
    `Per SVID the pooled server's threads were busy ${usText(sum(after))} in all against ` +
      `${usText(sum(before))} for the one-thread server (${signed(diff)})` +
      (grown.length > 0
        ? `; by category: ${grown.map((d) => `${d.part} ${signed(d.delta)}`).join(', ')}.`
        : '; no category changed by 2 µs or more.'),
  );
  return sentences;
}

/**
 * The speed-up the cores allow at this run's CPU costs per SVID, whatever else ran on the box: the one-thread
 * server is bound by its main thread (one core), the pooled server and the agents in this process share
 * `cores`. Returns the bound, both costs (µs) and the pooled cost (server + agents) that `goal` would need.
 */
function speedupBound(one, pool, cores, goal) {
  const oneMainUs = (one.serverMain / one.svids) * 1e6;
  const poolUs = ((pool.serverCpu + pool.clientCpu) / pool.svids) * 1e6;
  return { bound: (cores * oneMainUs) / poolUs, oneMainUs, poolUs, neededUs: (cores * oneMainUs) / goal };
}

module.exports = { profileSentences, serverProfile, speedupBound };

if (require.main === module) {
  console.log('server-svid-profile.js: CPU-profile helpers of server-svid.js; nothing to measure on its own');
}
