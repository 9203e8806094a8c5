/** Flag value parsers with Go `flag` semantics. */
import { InvalidArgumentError } from 'commander';
import { parseDurationNanos } from '@lanyard/common';

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
