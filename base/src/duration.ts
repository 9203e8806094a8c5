/**
 * Go `time.ParseDuration` / `Duration.String` for config values such as `ca_ttl = "24h"` or `"1h30m"`.
 * Units: ns, us (also µs and μs), ms, s, m, h. No `d` unit, like Go.
 */
import { InvalidArgumentError } from './errors';

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};
const PART = /^(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
/** Largest duration Go can hold (int64 nanoseconds), about 292 years. */
const MAX_NS = 2 ** 63 - 1;

/** Options for {@link parseDuration}. */
export interface ParseDurationOptions {
  /** Accept a leading `-` (default false: most SPIRE durations must not be negative). */
  allowNegative?: boolean;
  /** Name of the config key, used in error messages. */
  field?: string;
}

function invalid(text: string, options: ParseDurationOptions, why: string): InvalidArgumentError {
  const subject = options.field ? `${options.field}: ` : '';
  return new InvalidArgumentError(
    `${subject}invalid duration ${JSON.stringify(text)}: ${why}`,
    'ERR_DURATION',
  );
}

/** Parses a Go duration string into nanoseconds (a JS number; sub-nanosecond parts are dropped). */
export function parseDurationNanos(text: string, options: ParseDurationOptions = {}): number {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest[0] === '-' ? -1 : 1;
    rest = rest.slice(1);
  }
  if (sign < 0 && !options.allowNegative) throw invalid(text, options, 'must not be negative');
  if (rest === '0') return 0;
  if (rest === '') throw invalid(text, options, 'empty duration');
  let total = 0;
  for (let guard = 0; rest && guard < 64; guard++) {
    const match = PART.exec(rest);
    if (!match) {
      const why = /^(\d+\.?\d*|\.\d+)/.test(rest)
        ? 'missing or unknown unit (use ns, us, ms, s, m or h)'
        : 'expected a number';
      throw invalid(text, options, why);
    }
    total += Number(match[1]) * UNIT_NS[match[2]];
    rest = rest.slice(match[0].length);
  }
  if (rest) throw invalid(text, options, 'too many parts');
  if (total > MAX_NS) throw invalid(text, options, 'out of range');
  return sign * Math.floor(total);
}

/** Parses a Go duration string into milliseconds (may be fractional for sub-millisecond values). */
export function parseDuration(text: string, options: ParseDurationOptions = {}): number {
  return parseDurationNanos(text, options) / 1e6;
}

/** Parses a Go duration string into whole seconds (rounded down). */
export function parseDurationSeconds(text: string, options: ParseDurationOptions = {}): number {
  return Math.trunc(parseDurationNanos(text, options) / 1e9);
}

/** Formats milliseconds like Go's `Duration.String`: `1h30m0s`, `5m0s`, `300ms`, `1.5µs`, `0s`. */
export function formatDuration(milliseconds: number): string {
  const nanos = Math.round(milliseconds * 1e6);
  if (nanos === 0) return '0s';
  const sign = nanos < 0 ? '-' : '';
  const abs = Math.abs(nanos);
  if (abs < 1e3) return `${sign}${abs}ns`;
  if (abs < 1e6) return `${sign}${trimFraction(abs / 1e3)}µs`;
  if (abs < 1e9) return `${sign}${trimFraction(abs / 1e6)}ms`;
  const hours = Math.floor(abs / 3600e9);
  const minutes = Math.floor((abs % 3600e9) / 60e9);
  const seconds = trimFraction((abs % 60e9) / 1e9);
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

function trimFraction(value: number): string {
  return Number(value.toFixed(9)).toString();
}
