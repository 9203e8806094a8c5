#!/usr/bin/env node
'use strict';
/**
 * Datastore benchmark: batch entry creation rate and cold-start hydrate of 100k entries, on SQLite
 * (and on PostgreSQL when reachable). Runs against the built server: `npx tsc --build server` first.
 * Writes the "## Datastore" section of docs/benchmarks.md (other sections are left alone).
 *
 *   node bench/datastore.js [--entries 100000] [--batch 1000] [--no-postgres] [--no-write]
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { openDataStore } = require('../server/dist/datastore');

const args = process.argv.slice(2);
const argValue = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const ENTRIES = Math.min(argValue('--entries', 100_000), 1_000_000);
const BATCH = Math.min(argValue('--batch', 1000), 10_000);
const LOOKUPS = 2000;
const WRITE = !args.includes('--no-write');
/** Targets (issue): SQLite batch creation rate, and cold start with this many entries. */
const TARGETS = { createRate: 1000, coldS: 5, coldEntries: 100_000 };
const PG_URL = process.env.LANYARD_BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** Entry i: 2 selectors (one shared per 100 entries), one DNS name, parented to one of 1000 agents. */
function entry(i) {
  return {
    spiffeId: `spiffe://example.org/ns/${i % 100}/sa/w${i}`,
    parentId: `spiffe://example.org/spire/agent/k8s_psat/c1/${i % 1000}`,
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

const seconds = (ns) => Number(ns) / 1e9;
const round = (n, d = 0) => Number(n.toFixed(d));

async function measure(label, options, afterLoad = async () => undefined) {
  console.log(`[${label}] creating ${ENTRIES} entries in batches of ${BATCH}…`);
  let ds = await openDataStore(options);
  const t0 = process.hrtime.bigint();
  let failed = 0;
  for (let start = 0; start < ENTRIES; start += BATCH) {
    const batch = [];
    for (let i = start; i < Math.min(start + BATCH, ENTRIES); i++) batch.push(entry(i));
    const results = await ds.createEntries(batch);
    failed += results.filter((r) => !r.ok).length;
  }
  const createS = seconds(process.hrtime.bigint() - t0);
  await ds.close();
  await afterLoad();

  // Cold start twice (the box is shared); report both.
  const coldRuns = [];
  let all = [];
  let rssGrowthMiB = 0;
  for (let run = 0; run < 2; run++) {
    if (run > 0) await ds.close();
    all = [];
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const t1 = process.hrtime.bigint();
    ds = await openDataStore(options);
    await ds.scanEntriesForCache((page) => all.push(...page));
    coldRuns.push(seconds(process.hrtime.bigint() - t1));
    rssGrowthMiB = Math.max(rssGrowthMiB, (process.memoryUsage().rss - rssBefore) / 2 ** 20);
  }

  const t2 = process.hrtime.bigint();
  for (let i = 0; i < LOOKUPS; i++) {
    const n = (i * 7919) % ENTRIES;
    await ds.listEntries({ selectors: { selectors: entry(n).selectors, match: 'SUBSET' } });
  }
  const selectorRate = LOOKUPS / seconds(process.hrtime.bigint() - t2);
  const ids = all.slice(0, LOOKUPS).map((e) => e.id);
  const t3 = process.hrtime.bigint();
  for (const id of ids) await ds.getEntry(id);
  const pointRate = ids.length / seconds(process.hrtime.bigint() - t3);
  await ds.close();
  if (all.length !== ENTRIES || failed > 0)
    throw new Error(`[${label}] expected ${ENTRIES} entries, got ${all.length} (${failed} failed)`);
  const row = {
    backend: label,
    createRate: round(ENTRIES / createS),
    createS: round(createS, 1),
    coldS: coldRuns.map((c) => round(c, 2)).join(' / '),
    coldMaxS: Math.max(...coldRuns),
    rssGrowthMiB: round(rssGrowthMiB),
    selectorRate: round(selectorRate),
    pointRate: round(pointRate),
  };
  console.log(row);
  return row;
}

async function sqlite() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lanyard-bench-ds-'));
  try {
    return await measure('SQLite (WAL, better-sqlite3)', {
      databaseType: 'sqlite3',
      connectionString: path.join(dir, 'datastore.sqlite3'),
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Why PostgreSQL was not measured, when it was not. */
let pgSkipped = '';

async function postgres() {
  const pg = require('pg');
  const schema = `lanyard_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  try {
    await admin.connect();
  } catch (err) {
    pgSkipped = `not reachable at ${PG_URL} (${err.message})`;
    console.log(`[postgres] skipped: ${err.message}`);
    return undefined;
  }
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
    const options = encodeURIComponent(`-c search_path=${schema}`);
    // Steady state: what autovacuum would have done by now (visibility map for index-only scans, stats).
    const vacuum = async () => {
      await admin.query(`SET search_path = ${schema}`);
      await admin.query('VACUUM ANALYZE');
    };
    return await measure(
      'PostgreSQL 15 (pg pool)',
      { databaseType: 'postgres', connectionString: `${PG_URL}?options=${options}` },
      vacuum,
    );
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
}

/** 1-minute load average when the run began (other work on the shared box skews the numbers). */
const loadAtStart = os.loadavg()[0];

/** The targets checked against this run's rows, in sentences computed from them. */
function verdicts(rows) {
  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  const mark = (ok) => (ok ? 'met' : '**missed**');
  const sqliteRow = rows[0];
  const lines = [
    `Target (issue): batch create ≥ ${fmt(TARGETS.createRate)} entries/s on SQLite: ` +
      `${mark(sqliteRow.createRate >= TARGETS.createRate)} (${fmt(sqliteRow.createRate)} entries/s).`,
  ];
  if (ENTRIES !== TARGETS.coldEntries) {
    lines.push(
      `Target (issue): cold start with ${fmt(TARGETS.coldEntries)} entries < ${TARGETS.coldS} s: not checked, ` +
        `this run stored ${fmt(ENTRIES)}.`,
    );
  } else {
    const each = rows.map(
      (r) => `${r.backend} ${mark(r.coldMaxS < TARGETS.coldS)} (slower run ${r.coldMaxS.toFixed(2)} s)`,
    );
    lines.push(
      `Target (issue): cold start with ${fmt(TARGETS.coldEntries)} entries < ${TARGETS.coldS} s: ${each.join('; ')}.`,
    );
  }
  if (rows.length < 2)
    lines.push(pgSkipped ? `PostgreSQL not measured: ${pgSkipped}.` : 'PostgreSQL not measured.');
  return [lines.join(' ')];
}

function section(rows) {
  const cpu = os.cpus();
  const lines = [
    '## Datastore',
    '',
    `Measured ${new Date().toISOString().slice(0, 16)}Z by \`node bench/datastore.js\` on ${cpu[0]?.model ?? 'unknown CPU'}, ` +
      `${cpu.length} cores, Node ${process.version}, 1-min load average ${loadAtStart.toFixed(1)} at start, ` +
      `${os.loadavg()[0].toFixed(1)} at end ` +
      '(the box is shared; treat numbers as lower bounds).',
    '',
    `${ENTRIES.toLocaleString('en-US')} entries (2 selectors, 1 DNS name each), created with \`createEntries\` in batches of ${BATCH} ` +
      '(one transaction per batch). Cold start = open + migration check + `scanEntriesForCache()` (4 queries per page of 5,000 entries), two runs. ' +
      `Selector lookup = \`listEntries\` with a 2-selector SUBSET filter (1,000 entries share one of the selectors); ` +
      `point lookup = \`getEntry\` (4 queries), ${LOOKUPS} each. Postgres is VACUUM ANALYZEd after the load, as autovacuum would.`,
    '',
    `| backend | batch create | create total | cold start, ${ENTRIES.toLocaleString('en-US')} ready | RSS growth | selector lookup | point lookup |`,
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.backend} | ${r.createRate.toLocaleString('en-US')} entries/s | ${r.createS} s | ${r.coldS} s | ` +
        `${r.rssGrowthMiB} MiB | ${r.selectorRate.toLocaleString('en-US')}/s | ${r.pointRate.toLocaleString('en-US')}/s |`,
    ),
    '',
    ...verdicts(rows),
    '',
  ];
  return lines.join('\n');
}

/** Replaces (or appends) only the "## Datastore" section. */
function writeSection(text) {
  const file = path.join(__dirname, '..', 'docs', 'benchmarks.md');
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n\n';
  const start = current.indexOf('\n## Datastore\n');
  let next;
  if (start < 0) {
    next = `${current.replace(/\n*$/, '\n\n')}${text}`;
  } else {
    const after = current.indexOf('\n## ', start + 1);
    next = current.slice(0, start + 1) + text + (after < 0 ? '' : current.slice(after));
  }
  fs.writeFileSync(file, next);
  console.log(`wrote the Datastore section of ${file}`);
}

async function main() {
  const rows = [await sqlite()];
  if (!args.includes('--no-postgres')) {
    const pgRow = await postgres();
    if (pgRow) rows.push(pgRow);
  } else pgSkipped = '`--no-postgres` given';
  const text = section(rows);
  if (WRITE) writeSection(text);
  else console.log(`\n${text}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
