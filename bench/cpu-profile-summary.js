#!/usr/bin/env node
/**
 * Summarizes a V8 `.cpuprofile` (written by `node --cpu-prof`) into shares of the busy samples per category.
 * Each profile node gets the first category whose test matches its function; with `inherit`, a node no test
 * matches takes its caller's category (a `Buffer` copy made by the DER writer counts as certificate building),
 * otherwise "everything else". Idle samples are left out of the shares but counted, so the busy fraction of the
 * profiled time is known. Optionally only samples inside given time windows count.
 *
 * Three category sets: the server's start-up parts (the default, used by `server-coldstart.js`: self time only,
 * `(program)` counted as idle), the signing path (`SIGNING_PARTS`, used by `server-svid.js`) and the request
 * path of agent RPCs (`REQUEST_PARTS`, used by `many-agents.js`: self time, `(program)` counted as busy). Every
 * summary also names the functions with the most self time.
 *
 * Run directly it measures nothing (bench/run.js runs every file here); `node bench/cpu-profile-summary.js
 * <file> [signing|request]` prints the summary of one profile.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

/** Start-up parts in the order they are checked; the first whose test matches a sample's function wins. */
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

/**
 * Where CPU goes while a server issues SVIDs. `(program)` is V8's name for native work outside any JavaScript
 * call (the event loop, TLS record encryption); piscina's `atomicsWaitLoop` is a worker blocked waiting for a
 * task, which is idle.
 */
const SIGNING_PARTS = [
  ['garbage collection', (fn, url) => fn === '(garbage collector)' && url === ''],
  ['ECDSA signing (crypto.sign)', (fn, url) => url === 'node:internal/crypto/sig' && /^sign/.test(fn)],
  ['CSR signature verification (crypto.verify)', (fn, url) => url === 'node:internal/crypto/sig'],
  ['public key import', (fn, url) => url === 'node:internal/crypto/keys'],
  ['hashing (key identifiers)', (fn, url) => url === 'node:internal/crypto/hash'],
  [
    'worker messaging (piscina, postMessage, structured clone)',
    (fn, url) =>
      /\/piscina\/|\/sign-pool\/|^node:internal\/worker/.test(url) ||
      (url === '' && /^(postMessage|receiveMessageOnPort|drainMessagePort)$/.test(fn)),
  ],
  [
    'ASN.1 and certificate building (DER, CSR parsing, templates)',
    (fn, url) => /\/base\/dist\/der\/|\/server\/dist\/ca\//.test(url),
  ],
  ['protobuf encoding', (fn, url) => /\/(protobufjs|@protobufjs)\//.test(url)],
  [
    'gRPC, HTTP/2 and TLS in JavaScript',
    (fn, url) =>
      /\/@grpc\//.test(url) || /^node:(internal\/http2|_tls_|tls$|net$|internal\/stream_base)/.test(url),
  ],
  ['SQLite (better-sqlite3 under kysely)', (fn, url) => /\/(better-sqlite3|kysely)\//.test(url)],
  ['native code outside JavaScript ((program))', (fn, url) => fn === '(program)' && url === ''],
  [
    'loading and compiling modules',
    (fn, url) => /^node:internal\/(modules|bootstrap)/.test(url) || /^(wrapSafe|compileFunction)$/.test(fn),
  ],
  [
    'other server code (API handlers, authorization, caches)',
    (fn, url) => /\/(server|base|spiffe)\/dist\//.test(url),
  ],
];
/**
 * Where CPU goes while a server answers agents' syncs (self time; the first match wins). `(program)` is native
 * work outside any JavaScript call: reading sockets, TLS records, nghttp2's frame parsing.
 */
const REQUEST_PARTS = [
  ['garbage collection', (fn, url) => fn === '(garbage collector)' && url === ''],
  ['native work outside JavaScript (sockets, TLS records, HTTP/2 parsing)', (fn) => fn === '(program)'],
  [
    'TLS in JavaScript (the peer certificate read per call, handshakes)',
    (fn, url) => /^node:(_tls|tls)/.test(url),
  ],
  ['HTTP/2 (node:http2)', (fn, url) => url.startsWith('node:internal/http2')],
  [
    'gRPC and protobuf (grpc-js)',
    (fn, url) => /@grpc\/grpc-js|protobufjs/.test(url) || /\$(en|de)code$/.test(fn),
  ],
  [
    'SQL (driver and query builder)',
    (fn, url) => /better-sqlite3|kysely|\/node_modules\/pg(-[a-z]+)?\//.test(url),
  ],
  ["the server's own code", (fn, url) => /\/(server|base|common|spiffe|proto)\/dist\//.test(url)],
  ['Node core (streams, events, promises)', (fn, url) => url.startsWith('node:') || url === ''],
];

const SIGNING_IDLE = (fn, url) => fn === '(idle)' || (fn === 'atomicsWaitLoop' && /\/piscina\//.test(url));

/**
 * `bySamples`: every sample weighs the profile's sampling interval (the median gap between samples) instead of
 * the gap before the next one. A thread that waits for a core is sampled once when it runs again, after a long
 * gap: counting samples estimates the time it ran, gaps the time it was not idle (ran or waited).
 */
const COLDSTART = { parts: PARTS, idle: (fn) => IDLE.has(fn), inherit: false, bySamples: false };
const SIGNING = { parts: SIGNING_PARTS, idle: SIGNING_IDLE, inherit: true, bySamples: true };
const REQUEST = { parts: REQUEST_PARTS, idle: (fn) => fn === '(idle)', inherit: false, bySamples: true };
const CONFIGS = { coldstart: COLDSTART, signing: SIGNING, request: REQUEST };
/** Functions named in a summary's `topFunctions`. */
const TOP_FUNCTIONS = 5;

function medianGapUs(profile) {
  const gaps = profile.timeDeltas.slice(1).sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)] ?? 0;
}

/** The category of every node of `profile`, by id (see the file comment). */
function nodeCategories(profile, { parts, idle, inherit }) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const categories = new Map();
  const visit = (node, parentCategory) => {
    const { functionName: fn, url } = node.callFrame;
    const part = parts.find(([, test]) => test(fn, url));
    const category = idle(fn, url) ? null : part ? part[0] : inherit ? parentCategory : OTHER;
    categories.set(node.id, category);
    for (const child of node.children || []) visit(byId.get(child), category);
  };
  visit(profile.nodes[0], OTHER);
  return categories;
}

/**
 * Shares (0–1) of the busy sample time per category, largest first, with the busy and total (busy + idle)
 * profiled time in ms. `windows`: [fromUs, toUs] pairs on the monotonic clock (as `process.hrtime.bigint() /
 * 1000n` reads it in any process); only samples inside one count. `kind`: 'coldstart' (default), 'signing' or
 * 'request'. `topFunctions`: the functions with the most self time and their shares.
 */
function summarizeProfile(file, { kind = 'coldstart', windows } = {}) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const config = CONFIGS[kind];
  const names = new Map(profile.nodes.map((n) => [n.id, n.callFrame.functionName || '(anonymous)']));
  const byFunction = new Map();
  const categories = nodeCategories(profile, config);
  const intervalUs = medianGapUs(profile);
  const inWindow = (t) => !windows || windows.some(([from, to]) => t >= from && t <= to);
  const byPart = new Map();
  let busyUs = 0;
  let totalUs = 0;
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i];
    if (!inWindow(t)) return;
    const us = config.bySamples ? intervalUs : (profile.timeDeltas[i + 1] ?? 0);
    totalUs += us;
    const category = categories.get(id);
    if (category === null) return;
    byPart.set(category, (byPart.get(category) ?? 0) + us);
    byFunction.set(names.get(id), (byFunction.get(names.get(id)) ?? 0) + us);
    busyUs += us;
  });
  const shares = [...byPart]
    .map(([part, us]) => ({ part, share: us / busyUs }))
    .sort((a, b) => b.share - a.share);
  const topFunctions = [...byFunction]
    .map(([name, us]) => ({ name, share: us / busyUs }))
    .sort((a, b) => b.share - a.share)
    .slice(0, TOP_FUNCTIONS);
  return { busyMs: busyUs / 1000, totalMs: totalUs / 1000, shares, topFunctions };
}

/** Sums summaries of several profiles (e.g. of every worker thread) into one. */
function mergeSummaries(summaries) {
  const busyMs = summaries.reduce((acc, s) => acc + s.busyMs, 0);
  const totalMs = summaries.reduce((acc, s) => acc + s.totalMs, 0);
  const byPart = new Map();
  for (const s of summaries)
    for (const { part, share } of s.shares) byPart.set(part, (byPart.get(part) ?? 0) + share * s.busyMs);
  const shares = [...byPart]
    .map(([part, ms]) => ({ part, share: busyMs > 0 ? ms / busyMs : 0 }))
    .sort((a, b) => b.share - a.share);
  const byFunction = new Map();
  for (const s of summaries)
    for (const { name, share } of s.topFunctions)
      byFunction.set(name, (byFunction.get(name) ?? 0) + share * s.busyMs);
  const topFunctions = [...byFunction]
    .map(([name, ms]) => ({ name, share: busyMs > 0 ? ms / busyMs : 0 }))
    .sort((a, b) => b.share - a.share)
    .slice(0, TOP_FUNCTIONS);
  return { busyMs, totalMs, shares, topFunctions };
}

/**
 * The profiles one process wrote into `dir` with `--cpu-prof --cpu-prof-dir=dir`, by thread: `main` (Node
 * thread id 0 in the file name `CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile`) and `workers`.
 */
function threadProfiles(dir) {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const threadOf = (f) => f.split('.')[4];
  return {
    main: files.filter((f) => threadOf(f) === '0').map((f) => path.join(dir, f))[0],
    workers: files.filter((f) => threadOf(f) !== '0').map((f) => path.join(dir, f)),
  };
}

/** "garbage collection 21%, …" for the generated analysis; parts under `minShare` are left out. */
function describeShares(summary, minShare = 0) {
  return summary.shares
    .filter((s) => s.share >= minShare)
    .map((s) => `${s.part} ${(s.share * 100).toFixed(0)}%`)
    .join(', ');
}

/** "`getPeerCertificate` 9%, …": the `limit` functions with the most self time. */
function describeTopFunctions(summary, limit = 3) {
  return summary.topFunctions
    .slice(0, limit)
    .map((f) => `\`${f.name}\` ${(f.share * 100).toFixed(0)}%`)
    .join(', ');
}

module.exports = { describeShares, describeTopFunctions, mergeSummaries, summarizeProfile, threadProfiles };

if (require.main === module && process.argv[2]) {
  const summary = summarizeProfile(process.argv[2], { kind: process.argv[3] || 'coldstart' });
  console.log(
    `busy ${summary.busyMs.toFixed(0)} of ${summary.totalMs.toFixed(0)} ms: ${describeShares(summary)}`,
  );
  console.log(`most self time: ${describeTopFunctions(summary, TOP_FUNCTIONS)}`);
}
