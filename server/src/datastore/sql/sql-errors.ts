/*
 * Recognises constraint violations from both drivers: better-sqlite3 (`code: 'SQLITE_CONSTRAINT_*'`)
 * and pg (`code` = SQLSTATE).
 */

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** True for a UNIQUE or PRIMARY KEY violation. */
export function isUniqueViolation(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/** True for a FOREIGN KEY violation. */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503';
}

/** True when the database could not grow (`SQLITE_FULL`, PostgreSQL `53100 disk_full`), also as a `cause`. */
export function isStorageFull(err: unknown): boolean {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 5; depth += 1) {
    const code = codeOf(e);
    if (code === 'SQLITE_FULL' || code === '53100') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Node socket errors and PostgreSQL SQLSTATEs that mean the database connection is gone (restart, fail-over). */
const CONNECTION_LOST = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
]);

/** True when the database could not be reached or dropped the connection; the statement may be retried. */
export function isDatabaseUnreachable(err: unknown): boolean {
  const code = codeOf(err);
  if (code !== undefined && CONNECTION_LOST.has(code)) return true;
  return err instanceof Error && /^Connection terminated/.test(err.message);
}

/** Splits `items` into chunks of at most `size` (bound on SQL parameters per statement). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
