/**
 * A throwaway PostgreSQL database for a benchmark run, created with `psql` in 127.0.0.1:5432 as user postgres
 * (database `test` for the admin session). A helper of `many-agents.js`; it measures nothing.
 */
'use strict';

const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');

/** Runs one SQL statement as postgres in database `test`; throws with psql's error output on failure. */
function psql(sql) {
  const res = spawnSync(
    'psql',
    ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'test', '-v', 'ON_ERROR_STOP=1', '-qAtc', sql],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  if (res.status !== 0) throw new Error(`psql "${sql}" failed: ${res.stderr || res.error}`);
}

/** A fresh PostgreSQL database for one run; `drop()` removes it (closing leftover sessions). */
function createDatabase() {
  const name = `lanyard_bench_${crypto.randomBytes(5).toString('hex')}`;
  psql(`CREATE DATABASE ${name}`);
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}?sslmode=disable`,
    drop: () => psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

module.exports = { createDatabase };
