/**
 * Writer of `docs/reliability.md`: each suite (fault injection, fuzzing, security) owns one section between
 * `<!-- reliability:<key> -->` and `<!-- /reliability:<key> -->` markers and replaces only its own text, so suites
 * written by different runs never overwrite each other. Sections are written only when a run asks for it
 * ({@link RELIABILITY_WRITE_ENV} = `1`), never by a normal test run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Environment variable that asks a run to write its section of `docs/reliability.md`. */
export const RELIABILITY_WRITE_ENV = 'LANYARD_WRITE_RELIABILITY';

/** Environment variable that selects the long (soak) variant of the reliability suites. */
export const RELIABILITY_SOAK_ENV = 'LANYARD_SOAK';

/** Path of the reliability document in this checkout. */
export const RELIABILITY_DOC = path.resolve(__dirname, '..', '..', 'docs', 'reliability.md');

const DEFAULT_HEAD = '# Reliability\n';

/** True when the run was asked to write its figures into `docs/reliability.md`. */
export function reliabilityWriteRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[RELIABILITY_WRITE_ENV] === '1';
}

/** True when the long (soak) variant was asked for. */
export function soakRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[RELIABILITY_SOAK_ENV] === '1';
}

/** One line naming when and where figures were measured (date, CPU, cores, Node, load). */
export function measuredOn(command: string, now = new Date()): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  const when = now.toISOString().slice(0, 16);
  return `Measured ${when}Z by \`${command}\` on ${cpu}, ${os.cpus().length} cores, Node ${process.version}, load average ${load}.`;
}

/**
 * Replaces (or appends) the section `key` of a reliability document with `text`, leaving every other section
 * as it is. `text` should start with its own `## ` heading.
 * @param current - the document's current text (empty when it does not exist yet).
 */
export function replaceReliabilitySection(current: string, key: string, text: string): string {
  if (!/^[a-z0-9-]+$/.test(key)) throw new Error(`section key "${key}" must be lower-case words and dashes`);
  const open = `<!-- reliability:${key} -->`;
  const close = `<!-- /reliability:${key} -->`;
  const block = `${open}\n${text.replace(/\n*$/, '\n')}${close}\n`;
  const base = current === '' ? DEFAULT_HEAD : current;
  const start = base.indexOf(open);
  if (start < 0) return `${base.replace(/\n*$/, '\n\n')}${block}`;
  const end = base.indexOf(close, start);
  if (end < 0) throw new Error(`${open} has no closing ${close}`);
  return base.slice(0, start) + block + base.slice(end + close.length).replace(/^\n/, '');
}

/** The text of section `key` of a reliability document (between its markers), or undefined when absent. */
export function reliabilitySectionText(current: string, key: string): string | undefined {
  const open = `<!-- reliability:${key} -->\n`;
  const start = current.indexOf(open);
  if (start < 0) return undefined;
  const end = current.indexOf(`<!-- /reliability:${key} -->`, start);
  return end < 0 ? undefined : current.slice(start + open.length, end);
}

/** Rewrites the section `key` of `docs/reliability.md` (re-reading the file right before writing). */
export function writeReliabilitySection(key: string, text: string, file = RELIABILITY_DOC): void {
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  fs.writeFileSync(file, replaceReliabilitySection(current, key, text));
}
