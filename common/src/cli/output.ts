/**
 * `-output pretty|json` handling and the error printer shared by the CLIs.
 */
import type { Writable } from 'node:stream';
import { Option } from 'commander';
import { InvalidArgumentError } from '@lanyard/base';

/** Output formats of read commands. */
export type OutputFormat = 'pretty' | 'json';

/** The `-output` option: `pretty` (default) or `json`. */
export function outputOption(): Option {
  return new Option('--output <format>', 'desired output format (pretty, json)')
    .default('pretty')
    .argParser(parseOutputFormat);
}

/** Validates an `-output` value. */
export function parseOutputFormat(value: string): OutputFormat {
  if (value !== 'pretty' && value !== 'json') {
    throw new InvalidArgumentError(
      `invalid output format ${JSON.stringify(value)}: use pretty or json`,
      'ERR_OUTPUT_FORMAT',
    );
  }
  return value;
}

/** Converts API objects to plain JSON: field names kept (`spiffe_id`), bigints as strings, bytes as base64. */
export function toJsonValue(value: unknown, depth = 0): unknown {
  if (depth > 64) return null;
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map((v) => toJsonValue(v, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonValue(v, depth + 1)]));
  }
  return value;
}

/** Prints a command's result: JSON (one document) or the command's own pretty rendering. */
export function printResult<T>(
  format: OutputFormat,
  value: T,
  pretty: (value: T) => string,
  out: Writable = process.stdout,
): void {
  const text = format === 'json' ? JSON.stringify(toJsonValue(value)) : pretty(value);
  out.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** True for a gRPC client error (`code` number plus `details`). */
function isServiceError(err: unknown): err is { code: number; details: string } {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { code?: unknown }).code === 'number' &&
    typeof (err as { details?: unknown }).details === 'string'
  );
}

/**
 * Prints `Error: <message>` (for a gRPC error, the server's own message) to `err` and sets
 * `process.exitCode = 1`. Returns the exit code.
 */
export function printCliError(error: unknown, err: Writable = process.stderr): number {
  let message: string;
  if (isServiceError(error)) message = error.details || `request failed with gRPC status ${error.code}`;
  else if (error instanceof Error) message = error.message;
  else message = String(error);
  err.write(`Error: ${message}\n`);
  process.exitCode = 1;
  return 1;
}
