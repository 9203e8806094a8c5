/** Shape checks of the JSON request bodies: every field named in the error, every size bounded. */
import { InvalidArgumentError } from '@lanyard/base';

/** Longest accepted token or header value. */
export const MAX_PROOF_FIELD_BYTES = 16 * 1024;

/** A JSON object, or InvalidArgument naming `field`. */
export function requireObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`${field} must be a JSON object`, 'ERR_MANAGED_REQUEST');
  }
  return value as Record<string, unknown>;
}

/** A non-empty string of at most {@link MAX_PROOF_FIELD_BYTES}, or InvalidArgument naming `field`. */
export function requireString(value: unknown, field: string, maxBytes = MAX_PROOF_FIELD_BYTES): string {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidArgumentError(`${field} must be a non-empty string`, 'ERR_MANAGED_REQUEST');
  }
  if (Buffer.byteLength(value) > maxBytes) {
    throw new InvalidArgumentError(`${field} is longer than ${maxBytes} bytes`, 'ERR_MANAGED_REQUEST');
  }
  return value;
}

/** An optional string (absent, null or empty → undefined). */
export function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return requireString(value, field);
}
