#!/usr/bin/env node
/**
 * Summarizes a V8 `.cpuprofile` (written by `node --cpu-prof`) into shares of the busy samples per part of the
 * server, by the self time of each sample's function: garbage collection, SQLite reads (better-sqlite3 under
 * kysely), row → entry hydration (`server/dist/datastore`), the authorized-entry index
 * (`server/dist/authorized-entries`), module loading and compilation, and everything else. Idle samples are
 * left out. Used by `server-coldstart.js`.
 *
 * Run directly it measures nothing (bench/run.js runs every file here); `node bench/cpu-profile-summary.js
 * <file>` prints the summary of one profile.
 */
'use strict';

const fs = require('node:fs');

/** Parts in the order they are checked; the first whose test matches a sample's function wins. */
const PARTS = [
  ['garbage collection', (fn, url) => fn === '(garbage collector)' && url === ''],
  ['SQLite reads (better-sqlite3 under kysely)', (fn, url) => /better-sqlite3|kysely/.test(url)],
  ['hydrating rows into entries', (fn, url) => url.includes('/datastore/')],
  ['building the authorized-entry index', (fn, url) => url.includes('/authorized-entries/')],
  [
    'loading and compiling modules',
    (fn, url) =>
      /^node:internal\/modules|^node:internal\/bootstrap/.test(url) || /^(wrapSafe|compileFunction)/.test(fn),
  ],
];
const OTHER = 'everything else';
const IDLE = new Set(['(idle)', '(program)']);

/** Shares (0–1) of the busy sample time per part, largest first, and the busy time in ms. */
function summarizeProfile(file) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const byPart = new Map();
  let busyUs = 0;
  profile.samples.forEach((id, i) => {
    const frame = nodes.get(id).callFrame;
    if (IDLE.has(frame.functionName)) return;
    const us = profile.timeDeltas[i + 1] ?? 0;
    const part = PARTS.find(([, test]) => test(frame.functionName, frame.url));
    const name = part ? part[0] : OTHER;
    byPart.set(name, (byPart.get(name) ?? 0) + us);
    busyUs += us;
  });
  const shares = [...byPart]
    .map(([part, us]) => ({ part, share: us / busyUs }))
    .sort((a, b) => b.share - a.share);
  return { busyMs: busyUs / 1000, shares };
}

/** "garbage collection 21%, …" for the generated analysis. */
function describeShares(summary) {
  return summary.shares.map((s) => `${s.part} ${(s.share * 100).toFixed(0)}%`).join(', ');
}

module.exports = { describeShares, summarizeProfile };

if (require.main === module && process.argv[2]) {
  const summary = summarizeProfile(process.argv[2]);
  console.log(`busy ${summary.busyMs.toFixed(0)} ms: ${describeShares(summary)}`);
}
