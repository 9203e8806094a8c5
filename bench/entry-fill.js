#!/usr/bin/env node
/**
 * Fills a stopped server's SQLite file with many registration entries, for the cold-start benchmark
 * (`server-coldstart.js`). Two paths, both timed:
 *
 * - `createEntries`: the datastore's own batch create (validation, similarity screening, events), batches of
 *   5,000. The real path, but about 10,000 entries/s: 1,000,000 entries would take minutes.
 * - bulk: the rows the batch create would write (`prepareNewEntry` + `entryRow` of the built codec, so IDs,
 *   canonical selectors and similarity keys are the same), inserted with better-sqlite3 prepared statements in
 *   one transaction. No entry events are written (the entry cache reads only the latest event ID at start).
 *
 * Run directly it measures nothing (bench/run.js runs every file here).
 */
'use strict';

const path = require('node:path');
const h = require('./server-harness');

const FILL_BATCH = 5000;

/**
 * Entry i: 2 selectors, 1 DNS name; the first `agentEntries` are parented to `agentId`, the rest to 1,000 others.
 * IDs have the UUID shape and length but ascend with i, so the bulk fill appends to the entry ID index.
 */
function benchEntry(i, agentId, agentEntries) {
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    spiffeId: `spiffe://${h.TRUST_DOMAIN}/ns/${i % 100}/sa/w${i}`,
    parentId: i < agentEntries ? agentId : `spiffe://${h.TRUST_DOMAIN}/spire/agent/k8s_psat/c1/${i % 1000}`,
    selectors: [
      { type: 'k8s', value: `ns:${i % 100}` },
      { type: 'k8s', value: `sa:w${i}` },
    ],
    x509SvidTtl: 3600,
    jwtSvidTtl: 300,
    dnsNames: [`w${i}.example.org`],
    federatesWith: [],
    admin: false,
    downstream: false,
    expiresAt: 0,
    storeSvid: false,
    hint: '',
  };
}

/** Entries `from` ≤ i < `to` through the datastore's batch create; returns seconds taken. */
async function fillWithCreateEntries(sqlitePath, from, to, makeEntry) {
  const { openDataStore } = h.requireBuilt('server/dist/datastore');
  const ds = await openDataStore({ databaseType: 'sqlite3', connectionString: sqlitePath });
  const t = h.nowMs();
  try {
    for (let first = from; first < to; first += FILL_BATCH) {
      const batch = [];
      for (let i = first; i < Math.min(first + FILL_BATCH, to); i++) batch.push(makeEntry(i));
      const results = await ds.createEntries(batch);
      if (results.some((r) => !r.ok)) throw new Error('createEntries failed');
    }
  } finally {
    await ds.close();
  }
  return (h.nowMs() - t) / 1000;
}

/** Prepared INSERTs for an entry row and its children on an open better-sqlite3 database. */
function entryInserts(db, columns) {
  const named = columns.map((c) => `@${c}`).join(', ');
  const entryStmt = db.prepare(`INSERT INTO registered_entries (${columns.join(', ')}) VALUES (${named})`);
  const selectorStmt = db.prepare(
    'INSERT INTO entry_selectors (entry_seq, type, value, set_size) VALUES (?, ?, ?, ?)',
  );
  const dnsStmt = db.prepare('INSERT INTO entry_dns_names (entry_seq, position, name) VALUES (?, ?, ?)');
  const fedStmt = db.prepare(
    'INSERT INTO entry_federations (entry_seq, trust_domain, set_size) VALUES (?, ?, ?)',
  );
  return (entry, row) => {
    const seq = entryStmt.run(row).lastInsertRowid;
    for (const s of entry.selectors) selectorStmt.run(seq, s.type, s.value, entry.selectors.length);
    entry.dnsNames.forEach((name, position) => dnsStmt.run(seq, position, name));
    for (const td of entry.federatesWith) fedStmt.run(seq, td, entry.federatesWith.length);
  };
}

/** Entries `from` ≤ i < `to` with prepared INSERTs in one transaction; returns seconds taken. */
function fillBulk(sqlitePath, from, to, makeEntry) {
  const Database = require(require.resolve('better-sqlite3', { paths: [path.join(h.root, 'server')] }));
  const { entryRow, prepareNewEntry } = h.requireBuilt('server/dist/datastore/sql/entry-codec');
  const db = new Database(sqlitePath);
  const t = h.nowMs();
  try {
    // Random entry IDs and similarity keys land all over their unique indexes: a cache that holds the indexes
    // keeps the inserts in memory; the rollback journal is off while the file is filled (nothing reads it).
    db.pragma('cache_size = -1048576');
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    const createdAt = Math.floor(Date.now() / 1000);
    const columns = Object.keys(entryRow(prepareNewEntry(makeEntry(from), createdAt)));
    const insert = entryInserts(db, columns);
    db.transaction(() => {
      for (let i = from; i < to; i++) {
        const entry = prepareNewEntry(makeEntry(i), createdAt);
        insert(entry, entryRow(entry));
      }
    })();
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
  return (h.nowMs() - t) / 1000;
}

module.exports = { benchEntry, fillBulk, fillWithCreateEntries };
