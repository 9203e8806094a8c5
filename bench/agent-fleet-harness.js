#!/usr/bin/env node
/**
 * Simulated agents for `many-agents.js`. Each one holds the agent's own `ServerConnection` (its mTLS channel
 * to one server) and, unless disabled, the agent's `EntryWatcher` (the EntryWatch stream, reopened with its
 * backoff). Every sync interval (±10 %) it does what `agent/src/manager/sync-loop.ts` does on the wire —
 * `SyncAuthorizedEntries` (the agent's field mask) when `authorized-sync.ts` would fetch the entry list (no
 * healthy stream, the stream (re)opened since the last list, or the safety-net interval passed), `GetBundle`,
 * then `BatchNewX509SVID` with a fresh P-256 key and CSR for every entry whose SVID is missing or past half of
 * its lifetime. The stream reopening starts a sync at once, even while backing off, as the agent's `kick` does. A failed sync is retried
 * with the agent's `Backoff` (first delay twice the interval, doubling up to 60 s, ±10 % jitter) on a freshly
 * dialled channel; the backoff is reset after a success.
 *
 * A helper, not a benchmark: bench/run.js skips it, and run directly it measures nothing.
 */
'use strict';

const crypto = require('node:crypto');
const { setTimeout, clearTimeout } = require('node:timers');
const h = require('./server-harness');

const { Backoff } = h.requireBuilt('base/dist');
const { ServerConnection } = h.requireBuilt('agent/dist/client/server-connection');
const { EntryWatcher } = h.requireBuilt('agent/dist/manager/entry-watch');
/** The agent's own sync field mask. */
const { AGENT_ENTRY_MASK } = h.requireBuilt('agent/dist/manager/entry-sync');
/** How often the agent fetches the entry list even while its stream is up. */
const { FULL_ENTRY_SYNC_INTERVAL_MS } = h.requireBuilt('agent/dist/manager/authorized-sync');

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** The agent's retry bounds (`MAX_RETRY_DELAY_MS`, `RETRY_JITTER` in sync-loop.ts). */
const MAX_RETRY_DELAY_MS = 60_000;
const RETRY_JITTER = 0.1;
const CALL_TIMEOUT_MS = 60_000;

/** Full-entry `SyncAuthorizedEntries`: every response until `more` is false; resolves with the entries. */
function syncEntries(entryClient) {
  return new Promise((resolve, reject) => {
    const call = entryClient.SyncAuthorizedEntries({ deadline: new Date(Date.now() + CALL_TIMEOUT_MS) });
    const entries = [];
    let done = false;
    call.on('data', (msg) => {
      if (done) return;
      if (msg.entry_revisions.length > 0) {
        done = true;
        call.cancel();
        reject(new Error('sparse sync responses are not simulated (too many entries per agent)'));
        return;
      }
      entries.push(...msg.entries);
      if (!msg.more) {
        done = true;
        call.end();
        resolve(entries);
      }
    });
    call.on('error', (err) => {
      if (!done) reject(err);
      done = true;
    });
    call.on('end', () => {
      if (!done) reject(new Error('sync stream ended early'));
      done = true;
    });
    call.write({ output_mask: AGENT_ENTRY_MASK, ids: [] });
  });
}

/**
 * One simulated agent: its SVID (`attestAgent`'s result), its connection to the server on `port` trusting
 * `roots`, optionally its EntryWatch stream, and the SVIDs it holds per entry.
 */
class SimAgent {
  constructor(index, svid, { port, roots, intervalMs, watch }) {
    this.index = index;
    this.svid = svid;
    this.connection = new ServerConnection('127.0.0.1', port, h.TRUST_DOMAIN);
    this.connection.setRoots(roots);
    this.connection.setSvid({
      spiffeId: svid.agentId,
      certChainDer: svid.certChainDer,
      privateKey: svid.privateKey,
    });
    const ignore = () => undefined;
    const onReady = () => {
      this.streamEpoch++;
      this.listStale = true;
      this.kick(true);
    };
    this.watcher = watch
      ? new EntryWatcher({ connection: this.connection, logger: quiet, onReady, onChange: ignore })
      : undefined;
    this.streamEpoch = 0;
    this.listStale = true;
    this.lastListMs = 0;
    this.entries = [];
    this.running = false;
    this.intervalMs = intervalMs;
    /** entry ID → { notAfterMs, halfLifeMs, chain } */
    this.svids = new Map();
    this.entryCount = 0;
    this.backoff = new Backoff({
      initialDelayMs: 2 * intervalMs,
      maxDelayMs: Math.max(intervalMs, MAX_RETRY_DELAY_MS),
      jitter: RETRY_JITTER,
    });
    this.cadence = new Backoff({ initialDelayMs: intervalMs, maxDelayMs: intervalMs, jitter: RETRY_JITTER });
    this.timer = undefined;
    this.stopped = true;
    this.failing = false;
  }

  /** Entries without an SVID or past half of its lifetime. */
  dueEntries(entries, now) {
    return entries.filter((e) => {
      const held = this.svids.get(e.id);
      return held === undefined || now >= held.halfLifeMs;
    });
  }

  /** Signs fresh CSRs for `due`; resolves with the number of SVIDs received (throws on a failed result). */
  async renew(due) {
    const params = due.map((e) => ({ entry_id: e.id, csr: h.csrFor(h.newKeyPair()) }));
    const res = await h.unary(
      (opts, cb) => this.connection.clients().svid.BatchNewX509SVID({ params }, opts, cb),
      CALL_TIMEOUT_MS,
    );
    const now = Date.now();
    for (const [i, r] of res.results.entries()) {
      if (r.status.code !== 0) throw new Error(`BatchNewX509SVID result: ${r.status.message}`);
      const notAfterMs = Number(r.svid.expires_at) * 1000;
      const chain = r.svid.cert_chain.map((c) => Buffer.from(c));
      this.svids.set(params[i].entry_id, {
        notAfterMs,
        halfLifeMs: now + (notAfterMs - now) / 2,
        chain,
      });
    }
    return res.results.length;
  }

  /** One sync; resolves with what it did. */
  async sync() {
    const clients = this.connection.clients();
    const epoch = this.streamEpoch;
    const startedMs = Date.now();
    const fetchList =
      this.listStale ||
      this.watcher?.healthy !== true ||
      startedMs - this.lastListMs >= FULL_ENTRY_SYNC_INTERVAL_MS;
    if (fetchList) {
      this.entries = await syncEntries(clients.entry);
      this.lastListMs = startedMs;
      if (epoch === this.streamEpoch) this.listStale = false;
    }
    await h.unary((opts, cb) => clients.bundle.GetBundle({}, opts, cb), CALL_TIMEOUT_MS);
    this.entryCount = this.entries.length;
    const due = this.dueEntries(this.entries, Date.now());
    const signed = due.length > 0 ? await this.renew(due) : 0;
    return { entries: this.entries.length, signed, listFetched: fetchList };
  }

  /** Syncs now unless a sync runs or, unless `serverBack`, the agent is backing off (the agent's `kick`). */
  kick(serverBack = false) {
    if (this.stopped || (this.failing && !serverBack) || this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.schedule(0);
  }

  /** Starts the sync loop after `firstDelayMs`; `record(result)` hears about every attempt. */
  start(firstDelayMs, record) {
    this.stopped = false;
    this.record = record;
    this.schedule(firstDelayMs);
    this.watcher?.start();
  }

  schedule(delayMs) {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.tick(), delayMs);
  }

  async tick() {
    this.timer = undefined;
    this.running = true;
    const startMs = h.nowMs();
    if (this.failing) this.connection.closeUnlessConnected(); // a retry dials afresh, as the agent's sync loop does
    let delay;
    try {
      const result = await this.sync();
      this.backoff.reset();
      this.failing = false;
      this.record({ agent: this, ok: true, startMs, endMs: h.nowMs(), ...result });
      delay = this.cadence.next();
    } catch (err) {
      this.record({ agent: this, ok: false, startMs, endMs: h.nowMs(), code: err.code ?? 'error', err });
      this.failing = true;
      delay = this.backoff.next();
    }
    this.running = false;
    this.schedule(delay);
  }

  stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.watcher?.stop();
    this.connection.close();
  }
}

/** The agents of one run plus every sync attempt they made (kept in arrays for the measurement windows). */
class Fleet {
  constructor(agents) {
    this.agents = agents;
    this.attempts = [];
    this.listeners = [];
  }

  /** Starts every agent at a random phase within its interval (agents do not all sync at the same instant). */
  start() {
    for (const agent of this.agents) {
      agent.start(Math.random() * agent.intervalMs, (attempt) => this.onAttempt(attempt));
    }
  }

  onAttempt(attempt) {
    this.attempts.push(attempt);
    for (const listener of this.listeners) listener(attempt);
  }

  /**
   * Watches for attempts where `predicate(attempt)` holds; `done` resolves with the time (ms, `h.nowMs()`)
   * each distinct agent first got there, in order, once all `count` did, or rejects after `timeoutMs`.
   */
  watchAgents(predicate, count, timeoutMs) {
    const seen = new Map();
    let listener;
    const done = new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners = this.listeners.filter((l) => l !== listener);
        reject(new Error(`only ${seen.size}/${count} agents got there within ${timeoutMs} ms`));
      }, timeoutMs);
      listener = (attempt) => {
        if (seen.has(attempt.agent) || !predicate(attempt)) return;
        seen.set(attempt.agent, attempt.endMs);
        if (seen.size < count) return;
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== listener);
        resolve([...seen.values()]);
      };
      this.listeners.push(listener);
    });
    return { done };
  }

  /** Attempts that started in [fromMs, toMs). */
  between(fromMs, toMs) {
    return this.attempts.filter((a) => a.startMs >= fromMs && a.startMs < toMs);
  }

  /** The most attempts that started within any `spanMs` of [fromMs, toMs) (how bunched the syncs arrive). */
  peakStarts(fromMs, toMs, spanMs) {
    const starts = this.between(fromMs, toMs)
      .map((a) => a.startMs)
      .sort((a, b) => a - b);
    let peak = 0;
    for (let lo = 0, hi = 0; hi < starts.length; hi++) {
      while (starts[hi] - starts[lo] >= spanMs) lo++;
      peak = Math.max(peak, hi - lo + 1);
    }
    return peak;
  }

  stop() {
    for (const agent of this.agents) agent.stop();
  }
}

/** Verifies one held SVID chains to one of `roots` (DER) and names a SPIFFE ID; throws otherwise. */
function checkHeldSvid(agent, roots) {
  const held = agent.svids.values().next().value;
  if (held === undefined) throw new Error(`agent ${agent.index} holds no SVID`);
  const leaf = new crypto.X509Certificate(held.chain[0]);
  const issuers = [...held.chain.slice(1), ...roots].map((der) => new crypto.X509Certificate(der));
  if (
    !issuers.some((issuer) => leaf.verify(issuer.publicKey)) ||
    !leaf.subjectAltName.includes('spiffe://')
  ) {
    throw new Error(`agent ${agent.index}: issued SVID does not verify against the bundle`);
  }
}

module.exports = { Fleet, SimAgent, checkHeldSvid, syncEntries };

if (require.main === module) {
  console.log('agent-fleet-harness.js: simulated agents for many-agents.js; nothing to measure on its own');
}
