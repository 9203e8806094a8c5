#!/usr/bin/env node
/**
 * The "## Many agents" section of docs/benchmarks.md from the results of `many-agents.js`: one table column
 * per configuration and analysis sentences computed from the numbers of the run.
 *
 * A helper, not a benchmark: bench/run.js skips it, and run directly it measures nothing.
 */
'use strict';

const h = require('./server-harness');
const { describeShares, describeTopFunctions } = require('./cpu-profile-summary');

/** Goal: server CPU per agent per sync interval, in ms (1,000 agents every 5 s then take ≤ 20 % of one core). */
const GOAL_CPU_MS_PER_AGENT_INTERVAL = 1;
/** Goal: p99 latency of one steady-state sync, in ms. */
const GOAL_P99_MS = 250;
/** The agent's retry backoff (sync-loop.ts): first delay 2 × interval, doubling up to 60 s, +10 % jitter at most. */
const RETRY_JITTER = 0.1;
const MAX_RETRY_DELAY_MS = 60_000;
/** Profile categories below this share of the busy time are left out of the text. */
const MIN_PROFILE_SHARE = 0.05;
/** Sync starts per second above this multiple of an even spread count as bursts. */
const BUNCHED_RATIO = 1.5;

/**
 * Latest time (ms after the signal) an agent can be expected back: each agent tries once within an interval
 * of the signal; one that fails retries after its backoff (longest jittered delays) until a retry falls after
 * the servers were ready again.
 */
function expectedBackMs(readyMs, intervalMs) {
  let worst = 0;
  for (let step = 0; step <= 100; step++) {
    let t = (step / 100) * intervalMs;
    let delay = 2 * intervalMs;
    while (t < readyMs) {
      t += delay * (1 + RETRY_JITTER);
      delay = Math.min(delay * 2, Math.max(intervalMs, MAX_RETRY_DELAY_MS));
    }
    worst = Math.max(worst, t);
  }
  return worst;
}

const s1 = (x) => x.toFixed(1);
const pct = (x) => `${Math.round(x * 100)} %`;

/** Derived figures of one configuration. */
function derive(r, settings) {
  const intervals = r.calm.windowS / (settings.intervalMs / 1000);
  const cpuPerAgentMs = (r.calm.cpuS / settings.agents / intervals) * 1000;
  const retryBoundMs = expectedBackMs(r.recovery.readyMs, settings.intervalMs);
  return {
    cpuPerAgentMs,
    coreShare: r.calm.cpuS / r.calm.windowS,
    agentsPerCore: Math.floor(settings.agents / (r.calm.cpuS / r.calm.windowS)),
    usPerSvid: (r.first.cpuS / r.first.signed) * 1e6,
    retryBoundMs,
    fdText: r.calm.fds
      .map((f) => `${h.fmt(f.open)} of ${f.soft === 'unlimited' ? f.soft : h.fmt(Number(f.soft))}`)
      .join('; '),
    benchShare: r.calm.benchCpuS / r.calm.windowS,
    cpuPerSyncMs: (r.calm.cpuS * 1000) / r.calm.syncs,
    evenPerS: settings.agents / (settings.intervalMs / 1000),
  };
}

function tableRows(results, d, settings) {
  const row = (label, cell) => `| ${label} | ${results.map((r, i) => cell(r, d[i])).join(' | ')} |`;
  const statusName = (code) =>
    Object.keys(h.grpc.status).find((k) => String(h.grpc.status[k]) === code) ?? code;
  const codes = (c) =>
    Object.entries(c)
      .map(([code, n]) => `${h.fmt(n)}× ${statusName(code)}`)
      .join(', ') || 'none';
  return [
    `| measurement | ${results.map((r) => r.label).join(' | ')} |`,
    `|---|${results.map(() => '---').join('|')}|`,
    row(
      'agents attested with join tokens (AttestAgent over TLS, 16 at a time)',
      (r) => `${s1(r.attestS)} s (${h.fmt(settings.agents / r.attestS)}/s)`,
    ),
    row(
      'first sync: SVIDs signed; wall until every agent held all; server CPU (handshakes, syncs, signing) per SVID',
      (r, x) => `${h.fmt(r.first.signed)}; ${s1(r.first.wallS)} s; ${h.fmt(x.usPerSvid)} µs`,
    ),
    row(
      'steady: syncs completed (failed) in the window; of them fetching the entry list',
      (r) =>
        `${h.fmt(r.calm.syncs)} (${h.fmt(r.calm.failed)}) in ${s1(r.calm.windowS)} s; ${h.fmt(r.calm.listFetches)}`,
    ),
    row(
      'steady: **server CPU per agent per sync interval**',
      (r, x) => `**${x.cpuPerAgentMs.toFixed(2)} ms**`,
    ),
    row(
      'steady: server CPU, all servers, share of one core',
      (r, x) => `${s1(r.calm.cpuS)} s = ${pct(x.coreShare)}`,
    ),
    row('steady: server CPU per sync (all servers)', (r, x) => h.ms(x.cpuPerSyncMs)),
    row('steady: sync latency p50 / **p99**', (r) => `${h.ms(r.calm.p50)} / **${h.ms(r.calm.p99)}**`),
    row(
      'steady: most syncs started within one second (an even spread starts agents ÷ interval)',
      (r, x) => `${h.fmt(r.calm.peakStartsPerS)} (even: ${h.fmt(x.evenPerS)})`,
    ),
    row(
      'steady: benchmark process (all agents) CPU; its event-loop delay p99',
      (r, x) => `${pct(x.benchShare)} of a core; ${h.ms(r.calm.loopP99)}`,
    ),
    row('server open file descriptors of soft limit (per server)', (r, x) => x.fdText),
    row('connections refused for `max_connections` (server log)', (r) =>
      r.refusedConnections ? '**yes**' : 'none',
    ),
    row(
      'restart: signal; all servers ready again after',
      (r) => `${r.recovery.signal}; ${s1(r.recovery.readyMs / 1000)} s`,
    ),
    row(
      'restart: **99 % / 100 % of agents synced again** after',
      (r) => `**${s1(r.recovery.p99Ms / 1000)} s / ${s1(r.recovery.allMs / 1000)} s**`,
    ),
    row('restart: failed attempts until then (gRPC code)', (r) => codes(r.recovery.codes)),
    row(
      'restart: most agents back in one second; server CPU from ready to 100 %',
      (r) => `${h.fmt(r.recovery.peakPerSecond)}; ${s1(r.recovery.cpuS)} s`,
    ),
  ];
}

/** Sentences about one configuration, every figure from the run. */
function analysis(r, x, settings) {
  const intervalS = settings.intervalMs / 1000;
  const out = [];
  out.push(
    `${r.label}: ${h.fmt(settings.agents)} agents syncing every ${intervalS} s cost the server ` +
      `${x.cpuPerAgentMs.toFixed(2)} ms of CPU per agent per interval (${pct(x.coreShare)} of one core in total); ` +
      `at that cost one fully busy core would serve about ${h.fmt(x.agentsPerCore)} agents syncing every ${intervalS} s; ` +
      (x.cpuPerAgentMs <= GOAL_CPU_MS_PER_AGENT_INTERVAL
        ? `within the goal of ${GOAL_CPU_MS_PER_AGENT_INTERVAL} ms.`
        : `this **misses** the goal of ${GOAL_CPU_MS_PER_AGENT_INTERVAL} ms.`),
  );
  out.push(
    `Sync latency p99 ${h.ms(r.calm.p99)} ` +
      (r.calm.p99 <= GOAL_P99_MS
        ? `is within the ${GOAL_P99_MS} ms goal`
        : `**misses** the ${GOAL_P99_MS} ms goal`) +
      `; the agents' own event loop was late by up to ${h.ms(r.calm.loopP99)} (p99), which is part of every latency measured.`,
  );
  if (r.calm.p99 > GOAL_P99_MS) out.push(burstText(r, x));
  if (x.cpuPerAgentMs > GOAL_CPU_MS_PER_AGENT_INTERVAL || r.calm.p99 > GOAL_P99_MS) {
    out.push(profileText(r.profiles?.steady, 'the steady window', settings.profileIntervalUs));
  }
  const bound = x.retryBoundMs;
  out.push(
    `After ${r.recovery.signal} the servers were ready again in ${s1(r.recovery.readyMs / 1000)} s and every agent had ` +
      `synced again after ${s1(r.recovery.allMs / 1000)} s (99 % after ${s1(r.recovery.p99Ms / 1000)} s); expected: ` +
      `by ${s1(bound / 1000)} s (the first retry of the agents' backoff, 2 × ${intervalS} s doubling with +10 % jitter, ` +
      'that falls after the servers were ready), ' +
      (r.recovery.allMs <= bound ? 'met.' : `**missed** by ${s1((r.recovery.allMs - bound) / 1000)} s.`) +
      ` ${h.fmt(Object.values(r.recovery.codes).reduce((a, b) => a + b, 0))} attempts failed while the servers were away; ` +
      `at most ${h.fmt(r.recovery.peakPerSecond)} agents (${pct(r.recovery.peakPerSecond / settings.agents)}) completed ` +
      'their first sync after the restart within the same second.',
  );
  if (r.recovery.allMs > bound) out.push(stormText(r, settings));
  return out.join(' ');
}

/** Whether the window's syncs arrived in bursts, and what serving one burst costs the servers. */
function burstText(r, x) {
  const peak = r.calm.peakStartsPerS;
  const ratio = peak / x.evenPerS;
  if (ratio < BUNCHED_RATIO) {
    return (
      `Syncs arrived about evenly (at most ${h.fmt(peak)} started within one second, even: ${h.fmt(x.evenPerS)}), ` +
      'so the latency is not spent queued behind bursts of syncs.'
    );
  }
  const burstMs = (peak / r.serverCount) * x.cpuPerSyncMs;
  const explains = burstMs >= r.calm.p99 / 2;
  return (
    `Syncs arrived in bursts: up to ${h.fmt(peak)} started within one second, ${ratio.toFixed(1)}× the ` +
    `${h.fmt(x.evenPerS)}/s of an even spread. At ${h.ms(x.cpuPerSyncMs)} of server CPU per sync, a burst of ` +
    `${h.fmt(peak)} keeps ${r.serverCount > 1 ? 'each server' : 'the server'} busy for about ${h.ms(burstMs)}` +
    (explains
      ? `, the order of the p99 of ${h.ms(r.calm.p99)}, although over the whole window the servers used only ` +
        `${pct(x.coreShare)} of a core: a sync waits behind the others of its burst.`
      : `, less than half the p99 of ${h.ms(r.calm.p99)}: bursts explain only part of the latency.`)
  );
}

/** Where the servers' main threads spent a window, from the run's CPU profiles. */
function profileText(profile, what, intervalUs) {
  if (profile === undefined) return `No CPU profile of ${what} (profiling was off).`;
  return (
    `CPU profile of ${what} (${profile.servers > 1 ? `${profile.servers} servers' main threads` : "the server's main thread"}, ` +
    `${h.fmt(profile.busyMs)} ms busy in samples every ${intervalUs / 1000} ms, by self time): ` +
    `${describeShares(profile, MIN_PROFILE_SHARE)}; the functions with the ` +
    `most self time: ${describeTopFunctions(profile, 3)}.`
  );
}

/** What the servers spent between being ready again and the last agent's return. */
function stormText(r, settings) {
  const spanS = (r.recovery.allMs - r.recovery.readyMs) / 1000;
  return (
    `From ready until the last agent was back (${s1(spanS)} s) the servers used ${s1(r.recovery.cpuS)} s of CPU, ` +
    `${pct(r.recovery.cpuS / spanS / r.serverCount)} of a core per server: ${h.fmt(settings.agents)} agents ` +
    'dialling again (a TLS handshake each) and syncing within the spread of their jittered retries, which the ' +
    'expected bound does not count. ' +
    profileText(r.profiles?.storm, 'that span', settings.profileIntervalUs)
  );
}

/** Sentences comparing the configurations (when both ran). */
function comparison(results, d) {
  if (results.length < 2) return '';
  const [a, b] = [0, 1];
  const ratio = d[b].cpuPerAgentMs / d[a].cpuPerAgentMs;
  return (
    `Per agent and interval, ${results[b].label} cost ${ratio.toFixed(2)}× the CPU of ${results[a].label} ` +
    `(${d[b].cpuPerAgentMs.toFixed(2)} ms vs ${d[a].cpuPerAgentMs.toFixed(2)} ms, summed over its servers).`
  );
}

/** The section's text. */
function manyAgentsSection({ results, settings, loadStart, totalS }) {
  const d = results.map((r) => derive(r, settings));
  const intervalS = settings.intervalMs / 1000;
  return [
    '## Many agents',
    '',
    `Measured ${new Date().toISOString().slice(0, 16)}Z by \`node bench/many-agents.js\` on ${h.machine()}, ` +
      `load average ${loadStart} at start, ${h.loadavg()} at end; the whole run took ${Math.round(totalS)} s.`,
    '',
    `${h.fmt(settings.agents)} simulated agents run in the benchmark process, each attested for real with its own ` +
      "join token and holding the agent's own `ServerConnection` (one mTLS channel) " +
      (settings.watch
        ? "and its EntryWatch stream (the agent's `EntryWatcher`, open throughout)"
        : 'and no EntryWatch stream (`--no-watch`)') +
      `, with ${settings.entries} entries each. Every ${intervalS} s ±10 % ` +
      '(random first phase per agent) an agent does what `sync-loop.ts` does on the wire: `SyncAuthorizedEntries` ' +
      "with the agent's field mask when the agent would fetch its entry list (" +
      (settings.watch
        ? 'first sync, stream reopened, every 10 min; with a healthy EntryWatch stream the list is left to it'
        : 'every sync, as there is no stream') +
      '), `GetBundle`, then `BatchNewX509SVID` with a fresh P-256 key and CSR for every entry ' +
      'without an SVID or past half its lifetime (x509 TTL 1 h, so after the first sync nothing is due in the ' +
      "window). A failed sync is retried with the agent's backoff (first delay 2 × interval, doubling to 60 s, " +
      '±10 % jitter)' +
      (settings.watch ? ', or at once when its EntryWatch stream reaches a server again' : '') +
      '. Configurations: one `lanyard-server run` on SQLite, then two `lanyard-server run` ' +
      'processes on one fresh PostgreSQL database with the agents split between them (each server its own CA, ' +
      'both roots in the shared bundle). Server CPU is utime + stime from /proc over a ' +
      `${settings.steadyMs / 1000} s steady window; sync latency covers the attempts started in it. Restart: the ` +
      'servers get the signal, are started again at once, and the clock runs from the signal until each agent ' +
      'completes a sync it started after the signal. Rate limits are off (every agent connects from 127.0.0.1).',
    '',
    ...tableRows(results, d, settings),
    '',
    `Goals: ≤ ${GOAL_CPU_MS_PER_AGENT_INTERVAL} ms server CPU per agent per sync interval; p99 sync latency ≤ ` +
      `${GOAL_P99_MS} ms; after a restart every agent back by the first retry of its backoff that follows the servers' return. ` +
      results.map((r, i) => analysis(r, d[i], settings)).join(' ') +
      (results.length > 1 ? ` ${comparison(results, d)}` : ''),
    '',
  ].join('\n');
}

/** Writes the section into docs/benchmarks.md. */
function writeManyAgentsSection(run) {
  h.writeSection('Many agents', manyAgentsSection(run));
}

module.exports = { manyAgentsSection, writeManyAgentsSection };

if (require.main === module) {
  console.log('many-agents-report.js: writes the section of many-agents.js; nothing to measure on its own');
}
