/**
 * Figures of the fuzzing and security cases in `docs/reliability.md`. Each section ("Fuzzing", "Security
 * cases") is a table with one row per target or case; a run replaces only the rows it measured (rows carry the
 * run's seed and date), and only when `LANYARD_WRITE_RELIABILITY=1`.
 */
import * as fs from 'node:fs';
import {
  RELIABILITY_DOC,
  measuredOn,
  reliabilityWriteRequested,
  soakRequested,
  writeReliabilitySection,
} from '@lanyard/test-support';

/** One row of a section table: first cell is the key (target or case name). */
export type FigureRow = readonly string[];

interface SectionLayout {
  readonly key: string;
  readonly heading: string;
  readonly intro: string;
  readonly columns: readonly string[];
}

/** The "Fuzzing" section: one row per fuzz target. */
export const FUZZING_SECTION: SectionLayout = {
  key: 'fuzzing',
  heading: '## Fuzzing',
  intro:
    'Seeded fuzzing of real processes (`test/reliability/fuzz-*.test.ts`, fast-check generators in ' +
    '`test-support/src/fuzz/`). A failing input prints its seed; `LANYARD_FUZZ_SEED=<seed>` replays it and ' +
    '`LANYARD_FUZZ_RUNS=<n>` changes the inputs per target. `make test` runs the short variant, `make soak` the ' +
    'long one. "Statuses" counts the final gRPC status (or outcome) of every input.',
  columns: ['target', 'inputs', 'statuses / outcomes', 'memory', 'seed', 'run'],
};

/** The "Security cases" section: one row per case. */
export const SECURITY_SECTION: SectionLayout = {
  key: 'security-cases',
  heading: '## Security cases',
  intro:
    'Attacks replayed against real server and agent processes (`test/reliability/security-*.test.ts`); each row ' +
    'is a test that fails if the attack succeeds.',
  columns: ['case', 'result', 'run'],
};

function sectionRows(doc: string, key: string): Map<string, string> {
  const open = `<!-- reliability:${key} -->`;
  const start = doc.indexOf(open);
  const end = doc.indexOf(`<!-- /reliability:${key} -->`);
  const rows = new Map<string, string>();
  if (start < 0 || end < 0) return rows;
  for (const line of doc.slice(start, end).split('\n')) {
    const first = /^\| ([^|]+?) \|/.exec(line)?.[1];
    if (first && !line.startsWith('| ---') && !/^\| (target|case) \|/.test(line)) rows.set(first, line);
  }
  return rows;
}

/** A short run label for the last column: date, variant and load. */
export function runLabel(): string {
  const line = measuredOn(soakRequested() ? 'make soak' : 'jest');
  const when = /Measured (\S+)/.exec(line)?.[1] ?? '';
  const load = /load average (\S+)/.exec(line)?.[1] ?? '';
  return `${when} ${soakRequested() ? 'soak' : 'short'}, load ${load}`;
}

/**
 * Replaces the rows `rows` (by first cell) in `layout`'s section, keeping the other rows; a no-op unless
 * the run asked for it.
 */
export function writeFigureRows(layout: SectionLayout, rows: readonly FigureRow[]): void {
  if (!reliabilityWriteRequested()) return;
  const doc = fs.existsSync(RELIABILITY_DOC) ? fs.readFileSync(RELIABILITY_DOC, 'utf8') : '';
  const kept = sectionRows(doc, layout.key);
  for (const row of rows) kept.set(row[0], `| ${row.join(' | ')} |`);
  const table = [
    `| ${layout.columns.join(' | ')} |`,
    `| ${layout.columns.map(() => '---').join(' | ')} |`,
    ...[...kept.keys()].sort().map((k) => kept.get(k)!),
  ];
  const text = [layout.heading, '', layout.intro, '', ...table, ''].join('\n');
  writeReliabilitySection(layout.key, text);
}

/** Figures of one fuzz target. */
export interface FuzzFigures {
  readonly seed: number;
  readonly inputs: number;
  readonly outcomes: Readonly<Record<string, number>>;
  readonly memory?: string;
}

/** Writes (when asked) the row of one fuzz target. */
export function recordFuzzFigures(target: string, f: FuzzFigures): void {
  const outcomes = Object.entries(f.outcomes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  writeFigureRows(FUZZING_SECTION, [
    [target, String(f.inputs), outcomes, f.memory ?? '–', String(f.seed), runLabel()],
  ]);
}

/** Writes (when asked) the row of one security case. */
export function recordSecurityCase(name: string, result: string): void {
  writeFigureRows(SECURITY_SECTION, [[name, result, runLabel()]]);
}
