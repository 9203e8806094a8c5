import { InvalidArgumentError } from '@lanyard/base';

/** Rejects batches above `max` items: `<field>: batch of <n> exceeds the limit of <max>`. */
export function requireBatchSize(count: number, max: number, field: string): void {
  if (count > max) {
    throw new InvalidArgumentError(
      `${field}: batch of ${count} exceeds the limit of ${max}`,
      'ERR_BATCH_TOO_LARGE',
    );
  }
}

/** Requires a non-negative integer (TTLs, page sizes): `<field> must not be negative`. */
export function requireNonNegative(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new InvalidArgumentError(`${field} must not be negative`, 'ERR_NEGATIVE');
  }
}

/** Requires a non-empty string: `missing <what>`. */
export function requireNonEmpty(value: string, what: string): void {
  if (value === '') throw new InvalidArgumentError(`missing ${what}`, 'ERR_MISSING');
}
