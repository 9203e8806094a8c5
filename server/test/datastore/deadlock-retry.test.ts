import { isDeadlock, retryOnDeadlock } from '../../src/datastore/sql/sql-errors';

/** The error shapes the drivers raise for a deadlock victim (mysql2's `code`, pg's SQLSTATE). */
const mysqlDeadlock = Object.assign(new Error('Deadlock found when trying to get lock'), {
  code: 'ER_LOCK_DEADLOCK',
});
const pgDeadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' });

describe('retryOnDeadlock', () => {
  it('recognises both drivers’ deadlock errors and nothing else', () => {
    expect(isDeadlock(mysqlDeadlock)).toBe(true);
    expect(isDeadlock(pgDeadlock)).toBe(true);
    expect(isDeadlock(Object.assign(new Error('dup'), { code: 'ER_DUP_ENTRY' }))).toBe(false);
  });

  it('runs the transaction again after a deadlock and returns its result', async () => {
    let calls = 0;
    const result = await retryOnDeadlock(async () => {
      calls += 1;
      if (calls < 3) throw calls === 1 ? mysqlDeadlock : pgDeadlock;
      return 'committed';
    });
    expect(result).toBe('committed');
    expect(calls).toBe(3);
  });

  it('gives up after the last attempt and never retries other errors', async () => {
    let calls = 0;
    await expect(
      retryOnDeadlock(async () => {
        calls += 1;
        throw mysqlDeadlock;
      }, 3),
    ).rejects.toBe(mysqlDeadlock);
    expect(calls).toBe(3);
    const other = new Error('boom');
    let otherCalls = 0;
    await expect(
      retryOnDeadlock(async () => {
        otherCalls += 1;
        throw other;
      }),
    ).rejects.toBe(other);
    expect(otherCalls).toBe(1);
  });
});
