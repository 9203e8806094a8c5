#!/usr/bin/env node
// Keeps tsconfig.build.json's project references in step with the attestors/ folder: `tsc --build` cannot glob,
// so every attestors/<name>/tsconfig.json is listed here, after `common` and before the packages that load
// attestors (test-support, server, agent, e2e). `npm run build` runs this first; `--check` only reports.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const CONFIG = path.join(ROOT, 'tsconfig.build.json');

/** Attestor project paths (`attestors/<name>`), core first, then by name. */
function attestorProjects() {
  const names = fs
    .readdirSync(path.join(ROOT, 'attestors'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(ROOT, 'attestors', d.name, 'tsconfig.json')))
    .map((d) => d.name)
    .sort((a, b) => (a === 'core' ? -1 : b === 'core' ? 1 : a.localeCompare(b)));
  return names.map((name) => `attestors/${name}`);
}

/** The references tsconfig.build.json should hold: its own non-attestor entries with the attestors after `common`. */
function expectedReferences(current) {
  const others = current.map((r) => r.path).filter((p) => !p.startsWith('attestors/'));
  const at = others.indexOf('common') + 1;
  return [...others.slice(0, at), ...attestorProjects(), ...others.slice(at)].map((p) => ({ path: p }));
}

function main() {
  const config = JSON.parse(fs.readFileSync(CONFIG, 'utf8'));
  const expected = expectedReferences(config.references);
  const listed = new Set(config.references.map((r) => r.path));
  const missing = expected.filter((r) => !listed.has(r.path)).map((r) => r.path);
  if (JSON.stringify(expected) === JSON.stringify(config.references)) return;
  if (process.argv.includes('--check')) {
    const detail =
      missing.length > 0 ? `missing { "path": "${missing.join('" }, { "path": "')}" }` : 'out of order';
    console.error(`tsconfig.build.json references are not in step with attestors/: ${detail}`);
    process.exit(1);
  }
  fs.writeFileSync(CONFIG, `${JSON.stringify({ ...config, references: expected }, null, 2)}\n`);
  console.log('tsconfig.build.json: project references updated from attestors/');
}

main();
