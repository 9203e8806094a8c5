import { InvalidArgumentError } from '@lanyard/base';

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
};

/**
 * Parses a byte size such as `"100MB"`, `"64MiB"`, `"10M"` (binary) or `"1048576"`; decimal units are powers of
 * 1000, `KiB`/`MiB`/`GiB` and the one-letter forms powers of 1024.
 *
 * @example parseByteSize('64MiB') // 67108864
 * @throws InvalidArgumentError (prefixed with `field` when given) for anything else, zero included.
 */
export function parseByteSize(text: string, field?: string): number {
  const subject = field === undefined ? '' : `${field}: `;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = match ? UNITS[match[2].toLowerCase()] : undefined;
  if (match === null || unit === undefined) {
    throw new InvalidArgumentError(
      `${subject}invalid size "${text}" (use a number of bytes or a unit: KB, MB, GB, KiB, MiB, GiB)`,
      'ERR_SIZE',
    );
  }
  const bytes = Math.floor(Number(match[1]) * unit);
  if (bytes < 1) throw new InvalidArgumentError(`${subject}size must be at least 1 byte`, 'ERR_SIZE');
  return bytes;
}
