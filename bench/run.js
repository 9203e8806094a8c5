#!/usr/bin/env node
/**
 * Runs every benchmark in this folder (`bench/*.js` except this file) one after another, in name order,
 * passing along any command-line arguments. Build first (`npm run build`). Exits non-zero if any failed.
 *
 * Usage: node bench/run.js [args passed to each benchmark]
 */
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const self = 'run.js';
const files = fs
  .readdirSync(__dirname)
  .filter((f) => f.endsWith('.js') && f !== self)
  .sort();

const failed = [];
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const result = spawnSync(process.execPath, [path.join(__dirname, file), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  if (result.status !== 0) failed.push(file);
}
if (failed.length > 0) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exit(1);
}
console.log(`\nall ${files.length} benchmarks finished`);
