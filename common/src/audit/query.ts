/**
 * `audit query`, shared by `lanyard-server` and `lanyard-agent`: streams a trail (and its rotated files) and
 * prints the matching events as `{"events":[…]}` or a table.
 */
import type { Writable } from 'node:stream';
import { Option, type Command } from 'commander';
import { InvalidArgumentError, parseDuration } from '@lanyard/base';
import type { CliCommand, CommandContext } from '../cli/command';
import { collectList } from '../cli/argv';
import { outputOption, type OutputFormat } from '../cli/output';
import { TRAIL_EVENT_KINDS, type TrailEvent } from './event';
import { readTrail, type TrailFilter, type TrailReadStats } from './trail-reader';

/** Flags of `audit query`. */
export interface AuditQueryFlags {
  path?: string;
  config?: string;
  expandEnv?: boolean;
  spiffeID?: string;
  since?: string;
  until?: string;
  event: string[];
  output: OutputFormat;
}

/** Finds the trail path of a config file (`server.audit_trail.path` / `agent.audit_trail.path`). */
export type TrailPathFromConfig = (configPath: string, expandEnv: boolean, env: NodeJS.ProcessEnv) => string;

/**
 * Parses a `-since`/`-until` value: a Go duration meaning "that long before `nowMs`" (`1h`, `36h`) or an RFC
 * 3339 / ISO 8601 time (`2026-12-02T00:00:00Z`, `2026-12-02`).
 */
export function parseQueryTime(text: string, flag: string, nowMs: number): number {
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const at = Date.parse(text);
    if (!Number.isNaN(at)) return at;
  } else {
    try {
      return nowMs - parseDuration(text);
    } catch {
      // Reported below with the flag's name.
    }
  }
  throw new InvalidArgumentError(
    `invalid value "${text}" for flag -${flag}: use a duration (1h, 36h) or a time (2026-12-02T00:00:00Z)`,
    'ERR_QUERY_TIME',
  );
}

/** Builds the filter of a query from its flags. */
export function trailFilterFromFlags(flags: AuditQueryFlags, nowMs: number): TrailFilter {
  for (const kind of flags.event) {
    if (!(TRAIL_EVENT_KINDS as readonly string[]).includes(kind)) {
      throw new InvalidArgumentError(
        `invalid value "${kind}" for flag -event: use one of ${TRAIL_EVENT_KINDS.join(', ')}`,
        'ERR_QUERY_EVENT',
      );
    }
  }
  return {
    spiffeId: flags.spiffeID,
    events: flags.event,
    sinceMs: flags.since === undefined ? undefined : parseQueryTime(flags.since, 'since', nowMs),
    untilMs: flags.until === undefined ? undefined : parseQueryTime(flags.until, 'until', nowMs),
  };
}

const COLUMNS = ['time', 'event', 'spiffe_id', 'serial', 'jti', 'agent_id', 'detail'] as const;

function detailOf(event: TrailEvent): string {
  const parts: string[] = [];
  if (event.audience !== undefined) parts.push(`audience=${JSON.stringify(event.audience)}`);
  if (event.pid !== undefined) parts.push(`pid=${String(event.pid)}`);
  if (event.reason !== undefined) parts.push(`reason=${String(event.reason)}`);
  if (event.entry_id !== undefined) parts.push(`entry_id=${String(event.entry_id)}`);
  if (event.authority_id !== undefined) parts.push(`authority_id=${String(event.authority_id)}`);
  return parts.join(' ');
}

function row(event: TrailEvent): string[] {
  return COLUMNS.map((c) => (c === 'detail' ? detailOf(event) : String(event[c] ?? '')));
}

/** Streams the events as one JSON document, one event per write (never the whole result in memory). */
async function writeJson(events: AsyncIterable<TrailEvent>, out: Writable): Promise<number> {
  let count = 0;
  out.write('{"events":[');
  for await (const event of events) {
    out.write(`${count === 0 ? '' : ','}${JSON.stringify(event)}`);
    count++;
  }
  out.write(']}\n');
  return count;
}

/** A fixed-width table; column widths come from the header and a first page of rows, then rows stream. */
async function writeTable(events: AsyncIterable<TrailEvent>, out: Writable): Promise<number> {
  const page: string[][] = [];
  const iterator = events[Symbol.asyncIterator]();
  let next = await iterator.next();
  while (!next.done && page.length < 200) {
    page.push(row(next.value));
    next = await iterator.next();
  }
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...page.map((r) => r[i].length)));
  const print = (cells: readonly string[]): void => {
    out.write(
      `${cells
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd()}\n`,
    );
  };
  print(COLUMNS.map((c) => c.toUpperCase()));
  page.forEach(print);
  let count = page.length;
  while (!next.done) {
    print(row(next.value));
    count++;
    next = await iterator.next();
  }
  return count;
}

/** Runs a query; returns the exit code (malformed lines are reported on stderr, not an error). */
export async function runAuditQuery(
  flags: AuditQueryFlags,
  io: { stdout: Writable; stderr: Writable; env: NodeJS.ProcessEnv },
  fromConfig: TrailPathFromConfig,
  nowMs: number = Date.now(),
): Promise<number> {
  try {
    if (flags.path !== undefined && flags.config !== undefined)
      throw new InvalidArgumentError('use either -path or -config, not both', 'ERR_QUERY_SOURCE');
    if (flags.path === undefined && flags.config === undefined)
      throw new InvalidArgumentError(
        'a trail is required: use -path FILE or -config FILE',
        'ERR_QUERY_SOURCE',
      );
    const path = flags.path ?? fromConfig(flags.config as string, flags.expandEnv ?? false, io.env);
    const filter = trailFilterFromFlags(flags, nowMs);
    const stats: TrailReadStats = { lines: 0, malformed: 0 };
    const events = readTrail(path, filter, stats);
    if (flags.output === 'json') await writeJson(events, io.stdout);
    else await writeTable(events, io.stdout);
    if (stats.malformed > 0)
      io.stderr.write(`Warning: skipped ${stats.malformed} malformed line(s) of ${stats.lines} in ${path}\n`);
    return 0;
  } catch (err) {
    io.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/** The `audit` command group with `audit query`, for a CLI whose config files name their trail. */
export function auditCommand(fromConfig: TrailPathFromConfig): CliCommand {
  return {
    name: 'audit',
    register(program: Command, ctx: CommandContext): void {
      const group = program.command('audit').description('Reads the identity trail');
      group
        .command('query')
        .description('Prints identity trail events, oldest first (rotated files included)')
        .addOption(new Option('--path <file>', 'Trail file to read'))
        .addOption(new Option('--config <file>', 'Config file whose audit_trail block names the trail'))
        .addOption(new Option('--expandEnv', 'Expand environment variables in the config file'))
        .addOption(new Option('--spiffeID <id>', 'Only events for this SPIFFE ID'))
        .addOption(new Option('--since <when>', 'Only events at or after this time or duration ago (1h)'))
        .addOption(new Option('--until <when>', 'Only events before this time or duration ago'))
        .addOption(
          new Option('--event <kind>', 'Only this event kind; can be used more than once')
            .argParser(collectList)
            .default([]),
        )
        .addOption(outputOption())
        .action(async (flags: AuditQueryFlags) => ctx.exit(await runAuditQuery(flags, ctx.io, fromConfig)));
    },
  };
}
