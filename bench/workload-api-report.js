/**
 * The "## Agent Workload API" section of docs/benchmarks.md, written by `workload-api.js` from one run's figures:
 * every sentence about the results is computed from them (goal met or missed, ratios to the floor, the CPU
 * profile's shares). A helper module: it measures nothing.
 */
'use strict';

const h = require('./server-harness');

const ms = (x) => `${x.toFixed(2)} ms`;
const us = (x) => `${Math.round(x)} µs`;
const pct = (part, whole) => `${whole > 0 ? Math.round((part / whole) * 100) : 0}%`;

/** The table rows: label, the result pair and the goal that applies ({} = none set). */
function rows(run) {
  const { results, params } = run;
  const warm = params.GOALS.warm;
  return [
    {
      label: 'new connection + FetchX509SVID first message',
      r: results.fresh,
      goal: params.GOALS.fresh,
    },
    { label: 'warm FetchX509SVID first message', r: results.x509, goal: warm },
    { label: 'warm FetchJWTSVID (cached token, unary)', r: results.jwt, goal: warm },
    { label: 'warm FetchX509Bundles first message', r: results.bundles, goal: warm },
    {
      label: `warm FetchX509SVID, ${params.CONNECTIONS} in flight at once`,
      r: results.concurrent,
      goal: {},
    },
  ];
}

/** Each goal of a row checked against the agent's figures: [{ q: 'p50', goal, value, met }]. */
function checks(row) {
  return Object.entries(row.goal).map(([q, goal]) => ({
    q,
    goal,
    value: row.r.agent[q],
    met: row.r.agent[q] <= goal,
  }));
}

function goalText(row) {
  const parts = Object.entries(row.goal).map(([q, g]) => `${q} ≤ ${g} ms`);
  return parts.length > 0 ? parts.join(', ') : 'none set';
}

function verdict(row) {
  const list = checks(row);
  if (list.length === 0) return '–';
  const missed = list.filter((c) => !c.met);
  if (missed.length === 0) return 'met';
  return `**missed** (${missed.map((c) => `${c.q} +${(c.value - c.goal).toFixed(2)} ms`).join(', ')})`;
}

function table(run) {
  const lines = [
    '| measurement | agent p50 | agent p99 | floor p50 | floor p99 | agent ÷ floor, p50 | server CPU per call, agent / floor | goal | verdict |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of rows(run)) {
    const { agent, floor } = row.r;
    lines.push(
      `| ${row.label} | ${ms(agent.p50)} | ${ms(agent.p99)} | ${ms(floor.p50)} | ${ms(floor.p99)} | ` +
        `${(agent.p50 / floor.p50).toFixed(2)}× | ${us(agent.cpuPerCallUs)} / ${us(floor.cpuPerCallUs)} | ` +
        `${goalText(row)} | ${verdict(row)} |`,
    );
  }
  const c = run.results.concurrent;
  lines.push(
    `| throughput with ${run.params.CONNECTIONS} in flight | ${h.fmt(c.agent.rate)}/s | | ${h.fmt(c.floor.rate)}/s | | ` +
      `${(c.agent.rate / c.floor.rate).toFixed(2)}× | | none set | – |`,
  );
  return lines;
}

/** One sentence per goal row: met or missed, and whether the floor alone already misses it. */
function analysis(run) {
  const sentences = [];
  let met = 0;
  let total = 0;
  for (const row of rows(run)) {
    for (const c of checks(row)) {
      total++;
      if (c.met) met++;
      const floor = row.r.floor[c.q];
      const extra = c.value - floor;
      const floorNote =
        floor > c.goal
          ? `the bare grpc-js floor alone takes ${ms(floor)}, also over the goal (no grpc-js server met it on ` +
            'this machine at this load)'
          : `the floor takes ${ms(floor)}, so the agent's own share is ${ms(Math.max(0, extra))}` +
            (c.met
              ? ''
              : `, while the goal leaves the agent ${ms(Math.max(0, c.goal - floor))} over the floor`);
      sentences.push(
        `${row.label}: ${c.q} ${ms(c.value)} ${c.met ? 'meets' : 'misses'} the goal of ≤ ${c.goal} ms; ${floorNote}.`,
      );
    }
  }
  sentences.unshift(`${met} of ${total} goals met in this run.`);
  return sentences;
}

/** Where a profiled module belongs, for the grouped shares. */
function category(name) {
  if (/^(common\/dist\/metrics\/|prom-client|tdigest|bintrees)/.test(name))
    return 'metrics (Lanyard and prom-client)';
  if (/^(agent|attestors|base|spiffe|proto|common)\//.test(name)) return 'Lanyard code';
  if (/^(@grpc\/|protobufjs|@protobuf)/.test(name)) return 'grpc-js and protobuf';
  if (name.startsWith('node:')) return "Node's own JavaScript (HTTP/2, streams, timers, fs)";
  if (name === '(garbage collector)') return 'garbage collection';
  if (name === '(program)' || name === '(native binding)') {
    return 'native code (V8, libuv, nghttp2, OpenSSL, Node bindings)';
  }
  return 'other';
}

function profileText(p) {
  if (p.busy === 0) return [`The profiled agent recorded no busy samples in the ${ms(p.windowMs)} window.`];
  const groups = new Map();
  for (const m of p.modules) groups.set(category(m.name), (groups.get(category(m.name)) || 0) + m.samples);
  const grouped = [...groups.entries()].sort((a, b) => b[1] - a[1]);
  const lanyard = groups.get('Lanyard code') || 0;
  const topLanyard = p.modules.filter((m) => category(m.name) === 'Lanyard code').slice(0, 3);
  return [
    `Where the agent's time goes: a second agent (one entry) ran under \`--cpu-prof\` and served ${h.fmt(p.calls)} ` +
      `warm FetchX509SVID calls one at a time (p50 ${ms(p.latency.p50)}, p99 ${ms(p.latency.p99)} with the ` +
      `profiler on). Of the ${h.fmt(p.total)} samples in that ${(p.windowMs / 1000).toFixed(1)} s window the agent was ` +
      `busy in ${h.fmt(p.busy)} (${pct(p.busy, p.total)}).`,
    `Busy samples by where the code lives: ${grouped.map(([g, n]) => `${g} ${pct(n, p.busy)}`).join(', ')}.` +
      (topLanyard.length > 0
        ? ` Within Lanyard code: ${topLanyard.map((m) => `\`${m.name}\` ${pct(m.samples, p.busy)}`).join(', ')}.`
        : ''),
    `Top functions by self time: ${p.functions.map((f) => `\`${f.name}\` ${pct(f.samples, p.busy)}`).join(', ')}.`,
    `Including what they call: ${p.phases.map((ph) => `${ph.what} ${pct(ph.samples, p.busy)}`).join(', ')}.`,
    lanyard / p.busy >= 0.5
      ? "Most of the agent's busy samples are in Lanyard's own code, so that is where a latency fix would start."
      : `Lanyard's own code has ${pct(lanyard, p.busy)} of the busy samples as self time; the rest is ` +
        `${grouped
          .filter(([g]) => g !== 'Lanyard code')
          .map(([g]) => g)
          .join(', ')}.`,
  ];
}

/** The whole section (markdown) for one run. */
function section(run) {
  const { params, sizes } = run;
  return [
    '## Agent Workload API',
    '',
    `Measured ${new Date().toISOString().slice(0, 16)}Z by \`node bench/workload-api.js\` on ${h.machine()}, ` +
      `load average ${run.loadStart} at start, ${run.loadEnd} at end (the box may be shared; the floor of the same ` +
      'run shows what the machine allowed).',
    '',
    '`lanyard-server run` (SQLite) and `lanyard-agent run` (join token, `unix` workload attestor: every call ' +
      'attests the caller through /proc and re-checks its start time) as child processes; this process is the ' +
      `workload, with one entry for its uid and ${h.fmt(params.ENTRIES)} more entries for other uids in the ` +
      `agent's cache. Answer sizes: X509SVIDResponse ${sizes.x509} bytes, JWTSVIDResponse ${sizes.jwt} bytes, ` +
      `X509BundlesResponse ${sizes.bundles} bytes. The floor is a bare grpc-js server on a Unix socket in its own ` +
      'process returning the same number of bytes (server stream or unary, no attestation, no protobuf). Agent ' +
      `and floor alternate in ${params.ROUNDS} rounds; warm calls go one at a time round-robin over ` +
      `${params.CONNECTIONS} connections (${h.fmt(params.REQUESTS)} samples per row and side); new connections: ` +
      `${h.fmt(params.NEW_CONNS)} samples per side. Time = call start → first message (streams, then cancelled) ` +
      'or response (unary); clients read raw bytes on both sides.',
    '',
    ...table(run),
    '',
    analysis(run).join(' '),
    '',
    profileText(run.profile).join(' '),
    '',
  ].join('\n');
}

module.exports = { section };
