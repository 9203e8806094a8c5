import { StatusCode } from '@lanyard/base';
import { apiStatusOf, toCallStatus } from '../../src/api/status';

/** A driver error as better-sqlite3 and node-postgres raise them: an Error with a `code`. */
function driverError(message: string, code?: string): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

test('a full database is ResourceExhausted with a message saying so (SQLite and PostgreSQL)', () => {
  for (const err of [
    driverError('database or disk is full', 'SQLITE_FULL'),
    driverError('could not extend file', '53100'),
  ]) {
    expect(apiStatusOf(err)).toEqual({
      code: StatusCode.RESOURCE_EXHAUSTED,
      message: expect.stringContaining('datastore is full'),
    });
  }
});

test('a lost database connection is Unavailable', () => {
  for (const err of [
    driverError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
    driverError('terminating connection due to administrator command', '57P01'),
    driverError('Connection terminated unexpectedly'),
  ]) {
    expect(toCallStatus(err)).toMatchObject({
      code: StatusCode.UNAVAILABLE,
      details: expect.stringContaining('datastore unavailable'),
    });
  }
});

test('other driver errors stay Internal without leaking their text', () => {
  expect(apiStatusOf(driverError('no such table: secrets', 'SQLITE_ERROR'))).toEqual({
    code: StatusCode.INTERNAL,
    message: 'internal error',
  });
});
