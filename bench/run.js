#!/usr/bin/env node
/**
 * Runs every benchmark in this folder one after another, in name order, passing along any command-line
 * arguments. A benchmark is a `*.js` file that starts with `#!/usr/bin/env node` and whose header does not say
 * it "measures nothing" (the shared helper modules do, or have no such line); this file is not one.
 * Prints each script's wall time, the total and whether it stayed within the 15-minute budget, and exits
 * non-zero (naming them) if any benchmark failed. A benchmark still running after {@link SCRIPT_LIMIT_MS} is
 * stopped (SIGTERM) and counted as failed, so one hung run cannot hold up the rest.
 * Unless `--no-write` is given, the per-script times and the budget verdict go to the "make bench" section.
 * Unless `--no-write` is given, it then removes the sections of docs/benchmarks.md whose generator (the
 * `bench/<script>.js` named in the section) no longer exists. Build first (`npm run build`).
 *
 * Usage: node bench/run.js [args passed to each benchmark]
 */
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const args = process.argv.slice(2);
/** True for the runnable benchmarks (see above). */
function isBenchmark(file) {
  if (!file.endsWith('.js') || file === 'run.js') return false;
  const head = fs.readFileSync(path.join(__dirname, file), 'utf8').slice(0, 2000);
  return head.startsWith('#!/usr/bin/env node') && !head.includes('measures nothing');
}

const files = fs.readdirSync(__dirname).filter(isBenchmark).sort();

/** Goal (issue): `make bench` runs every benchmark within 15 minutes on the project's 2-core machine. */
const BUDGET_SECONDS = 15 * 60;
/** Longest any one benchmark may run. */
const SCRIPT_LIMIT_MS = 10 * 60_000;
const seconds = (startMs) => (Date.now() - startMs) / 1000;
const clock = (s) => `${Math.floor(s / 60)} min ${(s % 60).toFixed(0).padStart(2, '0')} s`;

/** Runs one benchmark; returns its outcome and wall time. */
function runOne(file) {
  console.log(`\n=== ${file} ===`);
  const start = Date.now();
  const result = spawnSync(process.execPath, [path.join(__dirname, file), ...args], {
    stdio: 'inherit',
    timeout: SCRIPT_LIMIT_MS,
  });
  const timedOut = result.error?.code === 'ETIMEDOUT';
  const outcome = timedOut
    ? `failed (stopped after the ${SCRIPT_LIMIT_MS / 60_000}-minute limit)`
    : result.error
      ? `failed to start: ${result.error.message}`
      : result.status === 0
        ? 'ok'
        : `failed (${result.signal ? `signal ${result.signal}` : `exit code ${result.status}`})`;
  const took = seconds(start);
  console.log(`=== ${file}: ${outcome} after ${clock(took)} ===`);
  return { file, outcome, took };
}

/** Drops `## ` sections that name a `bench/<script>.js` which is not in this folder any more. */
function removeStaleSections() {
  const doc = path.join(__dirname, '..', 'docs', 'benchmarks.md');
  if (!fs.existsSync(doc)) return;
  const [head, ...sections] = fs.readFileSync(doc, 'utf8').split(/\n(?=## )/);
  const kept = sections.filter((text) => {
    const generator = /bench\/([\w.-]+\.js)/.exec(text);
    const stale = generator !== null && !fs.existsSync(path.join(__dirname, generator[1]));
    if (stale)
      console.log(
        `removed "${text.slice(3, text.indexOf('\n'))}" from docs/benchmarks.md (no ${generator[1]})`,
      );
    return !stale;
  });
  if (kept.length !== sections.length) fs.writeFileSync(doc, [head, ...kept].join('\n'));
}

/** A sentence naming the benchmarks that failed (their sections keep the previous figures), if any. */
function failedLine(results) {
  const failed = results.filter((r) => r.outcome !== 'ok');
  if (failed.length === 0) return [];
  const names = failed.map((r) => `\`${r.file}\` (${r.outcome})`).join(', ');
  return [
    '',
    `${failed.length} of ${results.length} benchmarks did not finish and kept their previous sections: ${names}.`,
  ];
}

/** The "make bench" section: what this run took, script by script, against the budget. */
function writeRunSection(results, total, loadStart) {
  const cpus = os.cpus();
  const load = (l) => l.map((x) => x.toFixed(1)).join(' ');
  const lines = [
    '## make bench',
    '',
    `Measured ${new Date().toISOString().slice(0, 16)}Z by \`node bench/run.js\` (\`make bench\`) on ${cpus[0]?.model.trim()}, ${cpus.length} cores, Node ${process.version}, load average ${load(loadStart)} at start, ${load(os.loadavg())} at end.`,
    '',
    '| benchmark | result | wall time |',
    '|---|---|---|',
    ...results.map((r) => `| \`${r.file}\` | ${r.outcome} | ${clock(r.took)} |`),
    `| total | | ${clock(total)} |`,
    '',
    total <= BUDGET_SECONDS
      ? `The whole run took ${clock(total)}: within the ${BUDGET_SECONDS / 60}-minute budget (goal met).`
      : `The whole run took ${clock(total)}: **missed** the ${BUDGET_SECONDS / 60}-minute budget by ${clock(total - BUDGET_SECONDS)}; the longest were ${[
          ...results,
        ]
          .sort((a, b) => b.took - a.took)
          .slice(0, 3)
          .map((r) => `\`${r.file}\` (${clock(r.took)})`)
          .join(', ')}.`,
    ...failedLine(results),
    '',
  ];
  const doc = path.join(__dirname, '..', 'docs', 'benchmarks.md');
  const current = fs.existsSync(doc) ? fs.readFileSync(doc, 'utf8') : '# Benchmarks\n';
  const [head, ...sections] = current.split(/\n(?=## )/);
  const others = sections.filter((text) => !text.startsWith('## make bench\n'));
  fs.writeFileSync(doc, [head.replace(/\n*$/, '\n'), lines.join('\n'), ...others].join('\n'));
}

const start = Date.now();
const loadStart = os.loadavg();
const results = files.map(runOne);
console.log('\nbenchmark | result | wall time');
for (const r of results) console.log(`${r.file} | ${r.outcome} | ${clock(r.took)}`);
const total = seconds(start);
console.log(`total | | ${clock(total)}`);
console.log(
  total <= BUDGET_SECONDS
    ? `within the ${BUDGET_SECONDS / 60}-minute budget for \`make bench\``
    : `OVER the ${BUDGET_SECONDS / 60}-minute budget for \`make bench\` by ${clock(total - BUDGET_SECONDS)}`,
);
if (!args.includes('--no-write')) {
  removeStaleSections();
  writeRunSection(results, total, loadStart);
}
const failed = results.filter((r) => r.outcome !== 'ok');
if (failed.length > 0) {
  console.error(
    `\n${failed.length} of ${results.length} benchmarks FAILED: ${failed.map((r) => r.file).join(', ')}`,
  );
  process.exit(1);
}
console.log(`\nall ${results.length} benchmarks finished`);
