/** Flag value parsers with Go `flag` semantics. */
import { InvalidArgumentError } from 'commander';
import { parseDurationNanos } from '@lanyard/base';

/** Go `flag.Int`: a base-10 integer (sign allowed). */
export function intArg(value: string): number {
  if (!/^[+-]?\d+$/.test(value)) throw new InvalidArgumentError(`invalid value "${value}": parse error`);
  const n = Number(value);
  if (!Number.isSafeInteger(n))
    throw new InvalidArgumentError(`invalid value "${value}": value out of range`);
  return n;
}

/** Go `flag.Duration`: a Go duration string (`1h`, `90s`), as nanoseconds. */
export function durationArg(value: string): number {
  try {
    return parseDurationNanos(value, { allowNegative: true });
  } catch {
    throw new InvalidArgumentError(`invalid value "${value}": parse error`);
  }
}

/** Go's `(ttl + time.Second - 1) / time.Second`: nanoseconds rounded up to whole seconds. */
export function ceilSeconds(nanos: number): number {
  return Math.ceil(nanos / 1e9);
}

/** Slack before a shorter lifetime counts as capped: `expires_at` is whole seconds and the call takes time. */
const CAP_SLACK_MS = 2000;

/** True when an SVID expiring at `expiresAt` (unix seconds) lives noticeably shorter than `ttlNanos` from now. */
export function isCapped(expiresAt: number, ttlNanos: number): boolean {
  return ttlNanos > 0 && expiresAt * 1000 - Date.now() + CAP_SLACK_MS < ttlNanos / 1e6;
}
