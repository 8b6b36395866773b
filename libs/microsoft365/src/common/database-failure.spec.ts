import { DriverException } from '@mikro-orm/core';
import { describeUnexpected, lostDatabaseConnection } from './database-failure';

const SQL = `select * from "sessions" where "token_hash" = 'secret-hash' - terminating connection`;

function driverError(code: string, message = SQL): DriverException {
  return new DriverException(Object.assign(new Error(message), { code }));
}

describe('lostDatabaseConnection', () => {
  it.each([
    ['admin shutdown (57P01)', driverError('57P01'), 'PostgreSQL 57P01'],
    ['connection failure class 08', driverError('08006'), 'PostgreSQL 08006'],
    ['too many clients (53300)', driverError('53300'), 'PostgreSQL 53300'],
    ['connection refused', driverError('ECONNREFUSED'), 'ECONNREFUSED'],
    ['pool socket closed', new Error('Connection terminated unexpectedly'), 'connection closed'],
    [
      'pool exhausted',
      new Error('Timeout acquiring a connection. The pool is probably full.'),
      'connection closed',
    ],
    ['unique violation', driverError('23505'), null],
    ['programming error', new TypeError('x is undefined'), null],
    ['not an error', 'boom', null],
  ])('%s', (_name, error, expected) => {
    expect(lostDatabaseConnection(error)).toBe(expected);
  });
});

describe('describeUnexpected', () => {
  it('names a database error by class and SQLSTATE, never its SQL and values', () => {
    const described = describeUnexpected(driverError('23505'));
    expect(described).toContain('23505');
    expect(described).not.toContain('secret-hash');
    expect(described).not.toContain('select');
  });

  it('keeps name and message of other errors', () => {
    expect(describeUnexpected(new TypeError('x is undefined'))).toBe('TypeError: x is undefined');
    expect(describeUnexpected(42)).toBe('non-error thrown');
  });
});
