/**
 * Figures of the fault-injection suites and the writer of their section of `docs/reliability.md`. Each suite
 * records what it did (runs, operations, losses) while its tests run; when the run was asked to write
 * (`LANYARD_WRITE_RELIABILITY=1`, as `make soak` does), `afterAll` replaces that suite's `### ` part inside the
 * "Fault injection" section and leaves every other part and section alone.
 */
import * as fs from 'node:fs';
import {
  RELIABILITY_DOC,
  measuredOn,
  reliabilitySectionText,
  reliabilityWriteRequested,
  soakRequested,
  writeReliabilitySection,
} from '@lanyard/test-support';

const SECTION_KEY = 'fault-injection';
const TITLE = '## Fault injection';
const INTRO = `The suites in \`test/reliability/\` run the real \`lanyard-server\` and \`lanyard-agent\` binaries (the e2e harness)
and break something on purpose. \`make test\` runs the short variants and writes nothing; \`make soak\`
(\`LANYARD_SOAK=1\`) raises the iteration counts and writes each part below from that run. "Lost" counts what a
client was told had succeeded and that was missing or invalid afterwards; every row expects 0.`;

/** Order of the parts in the section (by heading); unknown headings go last. */
const PART_ORDER = [
  '### kill -9 of the server during bulk registration',
  '### kill -9 of the server during SVID signing and CA rotation',
  '### PostgreSQL restarted under load (HA pair)',
  '### SQLite on a full filesystem',
  '### Clock skew between server and agent',
  '### Agent offline longer than its SVID lifetime',
  '### Network partition between agent and server',
  '### Agents reconnecting at once',
];

/** True in the long variant (`make soak`). */
export const SOAK = soakRequested();

/** `short` normally, `long` under `make soak`. */
export function iterations(short: number, long: number): number {
  return SOAK ? long : short;
}

/** One row of a part's table. */
export interface FigureRow {
  readonly scenario: string;
  readonly backend?: string;
  /** How many times the fault was injected. */
  readonly runs: number;
  /** What was done meanwhile, e.g. `4,000 entries acknowledged`. */
  readonly done: string;
  /** Acknowledged work missing or invalid afterwards (expected 0). */
  readonly lost: number;
  readonly notes?: string;
}

/** Collects the rows of one suite and writes its part when asked. */
export class FaultFigures {
  private readonly rows: FigureRow[] = [];

  constructor(
    readonly heading: string,
    readonly command: string,
    private readonly description: string,
  ) {}

  /** Adds a row (call once per scenario, after its checks passed). */
  add(row: FigureRow): void {
    this.rows.push(row);
  }

  /** The part's Markdown: heading, measurement line, description, table. */
  render(now = new Date()): string {
    const variant = SOAK ? 'long variant' : 'short (CI) variant';
    const table = [
      '| scenario | backend | faults injected | done meanwhile | lost | notes |',
      '|---|---|---|---|---|---|',
      ...this.rows.map(
        (r) =>
          `| ${r.scenario} | ${r.backend ?? '—'} | ${r.runs} | ${r.done} | ${r.lost} | ${r.notes ?? ''} |`,
      ),
    ];
    return `${this.heading}\n\n${measuredOn(this.command, now)} ${variant[0].toUpperCase()}${variant.slice(1)}.\n\n${this.description}\n\n${table.join('\n')}\n`;
  }

  /** Writes the part into `docs/reliability.md` when the run asked for it and every scenario recorded a row. */
  writeIfRequested(expectedRows: number): void {
    if (!reliabilityWriteRequested()) return;
    if (this.rows.length < expectedRows) {
      console.warn(
        `${this.heading}: ${this.rows.length}/${expectedRows} scenarios passed; not writing the doc`,
      );
      return;
    }
    writeFaultPart(this.heading, this.render());
  }
}

/** Replaces one `### ` part of the "Fault injection" section (re-reading the file right before). */
export function writeFaultPart(heading: string, text: string, file = RELIABILITY_DOC): void {
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const parts = splitParts(reliabilitySectionText(current, SECTION_KEY) ?? '');
  parts.set(heading, text.replace(/\n*$/, '\n'));
  const rank = (h: string): number => (PART_ORDER.includes(h) ? PART_ORDER.indexOf(h) : PART_ORDER.length);
  const sorted = [...parts.keys()].sort((a, b) => rank(a) - rank(b));
  const body = [`${TITLE}\n\n${INTRO}\n`, ...sorted.map((h) => parts.get(h))].join('\n');
  writeReliabilitySection(SECTION_KEY, body, file);
}

function splitParts(body: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const chunk of body.split(/\n(?=### )/)) {
    const trimmed = chunk.replace(/^\n+/, '');
    if (!trimmed.startsWith('### ')) continue;
    parts.set(trimmed.slice(0, trimmed.indexOf('\n')), trimmed.replace(/\n*$/, '\n'));
  }
  return parts;
}
