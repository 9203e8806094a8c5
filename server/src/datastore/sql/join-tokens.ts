import { AlreadyExistsError, InvalidArgumentError } from '@lanyard/base';
import type { JoinToken } from '../types';
import { isMysql } from './dialect';
import type { Db } from './schema';
import { isUniqueViolation } from './sql-errors';

/** Stores a join token. @throws AlreadyExistsError when the value is taken. */
export async function createJoinToken(db: Db, token: JoinToken): Promise<void> {
  if (!token.token) throw new InvalidArgumentError('join token value is required');
  if (!Number.isSafeInteger(token.expiresAt) || token.expiresAt <= 0) {
    throw new InvalidArgumentError('join token expiry must be a positive unix time');
  }
  try {
    await db.insertInto('join_tokens').values({ token: token.token, expires_at: token.expiresAt }).execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new AlreadyExistsError('join token already exists');
    throw err;
  }
}

/** The token without consuming it, or undefined. */
export async function getJoinToken(db: Db, token: string): Promise<JoinToken | undefined> {
  const row = await db.selectFrom('join_tokens').selectAll().where('token', '=', token).executeTakeFirst();
  return row === undefined ? undefined : { token: row.token, expiresAt: Number(row.expires_at) };
}

/**
 * Deletes the token and returns its expiry, atomically (`DELETE … RETURNING`; on MySQL, which has no RETURNING,
 * a read then a delete whose row count decides): of two concurrent calls only one gets the row. Expiry is the
 * caller's to check (SPIRE consumes before checking).
 */
export async function consumeJoinToken(db: Db, token: string): Promise<{ expiresAt: number } | undefined> {
  if (isMysql(db)) {
    const found = await getJoinToken(db, token);
    if (found === undefined) return undefined;
    const res = await db.deleteFrom('join_tokens').where('token', '=', token).executeTakeFirst();
    return Number(res.numDeletedRows) === 1 ? { expiresAt: found.expiresAt } : undefined;
  }
  const row = await db
    .deleteFrom('join_tokens')
    .where('token', '=', token)
    .returning('expires_at')
    .executeTakeFirst();
  return row === undefined ? undefined : { expiresAt: Number(row.expires_at) };
}

/** Deletes tokens that expired before `expiresBefore`; returns how many. */
export async function pruneJoinTokens(db: Db, expiresBefore: number): Promise<number> {
  const res = await db.deleteFrom('join_tokens').where('expires_at', '<', expiresBefore).executeTakeFirst();
  return Number(res.numDeletedRows);
}
