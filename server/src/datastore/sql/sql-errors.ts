/*
 * Recognises constraint violations from the three drivers: better-sqlite3 (`code: 'SQLITE_CONSTRAINT_*'`),
 * pg (`code` = SQLSTATE) and mysql2 (`code: 'ER_*'` or a socket/protocol code).
 */

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** True for a UNIQUE or PRIMARY KEY violation. */
export function isUniqueViolation(err: unknown): boolean {
  const code = codeOf(err);
  return (
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === '23505' ||
    code === 'ER_DUP_ENTRY'
  );
}

/** True when the database aborted a transaction to break a deadlock (PostgreSQL `40P01`, MySQL 1213). */
export function isDeadlock(err: unknown): boolean {
  const code = codeOf(err);
  return code === '40P01' || code === 'ER_LOCK_DEADLOCK';
}

/**
 * Runs `transaction` again when the database chose it as a deadlock victim (it was rolled back, so a retry
 * starts clean), up to `attempts` times in all, with a short growing pause.
 */
export async function retryOnDeadlock<T>(transaction: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await transaction();
    } catch (err) {
      if (!isDeadlock(err) || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 10));
    }
  }
}

/** True for a FOREIGN KEY violation. */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = codeOf(err);
  return (
    code === 'SQLITE_CONSTRAINT_FOREIGNKEY' ||
    code === '23503' ||
    code === 'ER_NO_REFERENCED_ROW_2' ||
    code === 'ER_ROW_IS_REFERENCED_2'
  );
}

/** Codes of "the database could not grow": SQLite, PostgreSQL `53100 disk_full`, MySQL "table is full" / disk full. */
const STORAGE_FULL = new Set(['SQLITE_FULL', '53100', 'ER_RECORD_FILE_FULL', 'ER_DISK_FULL']);

/** True when the database could not grow, also as a `cause`. */
export function isStorageFull(err: unknown): boolean {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 5; depth += 1) {
    if (STORAGE_FULL.has(codeOf(e) ?? '')) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Node socket errors, PostgreSQL SQLSTATEs and mysql2 codes that mean the database connection is gone (restart,
 * fail-over, killed session).
 */
const CONNECTION_LOST = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
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
  return (
    err instanceof Error &&
    /^Connection terminated|^Can't add new command when connection is in closed state/.test(err.message)
  );
}

/** True when a value does not fit its column (MySQL's VARCHAR limits; see docs/configuration.md). */
export function isValueTooLong(err: unknown): boolean {
  return codeOf(err) === 'ER_DATA_TOO_LONG';
}
