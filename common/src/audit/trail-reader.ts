import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { TrailEvent } from './event';
import { trailFilesOldestFirst } from './trail-files';

/** Which events a query wants; every set criterion must hold. */
export interface TrailFilter {
  /** Exact SPIFFE ID. */
  readonly spiffeId?: string;
  /** Event kinds (any of). */
  readonly events?: readonly string[];
  /** Inclusive lower bound, ms since the epoch. */
  readonly sinceMs?: number;
  /** Exclusive upper bound, ms since the epoch. */
  readonly untilMs?: number;
}

/** Counts gathered while reading; `malformed` lines are skipped, never fatal. */
export interface TrailReadStats {
  lines: number;
  malformed: number;
}

/** True when `event` satisfies `filter`. */
export function matchesTrailFilter(event: TrailEvent, filter: TrailFilter): boolean {
  if (filter.spiffeId !== undefined && event.spiffe_id !== filter.spiffeId) return false;
  if (filter.events !== undefined && filter.events.length > 0 && !filter.events.includes(event.event))
    return false;
  if (filter.sinceMs !== undefined || filter.untilMs !== undefined) {
    const at = Date.parse(event.time);
    if (filter.sinceMs !== undefined && at < filter.sinceMs) return false;
    if (filter.untilMs !== undefined && at >= filter.untilMs) return false;
  }
  return true;
}

function parseLine(line: string): TrailEvent | undefined {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const record = value as Record<string, unknown>;
    const ok =
      typeof record.time === 'string' &&
      !Number.isNaN(Date.parse(record.time)) &&
      typeof record.event === 'string' &&
      typeof record.spiffe_id === 'string';
    return ok ? (record as unknown as TrailEvent) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Streams the events of a trail (`path` and its rotated files, oldest first) line by line, never loading a file
 * whole, yielding those matching `filter`. Blank lines are ignored; lines that are not a trail record are
 * counted in `stats.malformed` and skipped.
 */
export async function* readTrail(
  path: string,
  filter: TrailFilter,
  stats: TrailReadStats = { lines: 0, malformed: 0 },
): AsyncGenerator<TrailEvent> {
  for (const file of await trailFilesOldestFirst(path)) {
    const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      stats.lines++;
      const event = parseLine(line);
      if (event === undefined) stats.malformed++;
      else if (matchesTrailFilter(event, filter)) yield event;
    }
  }
}
