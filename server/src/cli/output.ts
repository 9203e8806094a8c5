import type { Writable } from 'node:stream';
import { formatRpcError } from '@lanyard/base/grpc';

/** `1 entry` / `0 entries`: SPIRE picks the singular only for exactly one. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** Go's default `time.Time` string in UTC, as SPIRE prints expiries: `2026-01-02 03:04:05 +0000 UTC`. */
export function formatGoTime(unixSeconds: number): string {
  const iso = new Date(unixSeconds * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} +0000 UTC`;
}

/**
 * Prints a failure the way SPIRE's CLI does (`Error: rpc error: code = NotFound desc = entry not found` for
 * gRPC failures, `Error: <message>` otherwise) and returns exit code 1.
 */
export function printCommandError(stderr: Writable, err: unknown): number {
  stderr.write(`Error: ${formatRpcError(err)}\n`);
  return 1;
}
