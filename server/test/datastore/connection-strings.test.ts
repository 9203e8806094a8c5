import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@lanyard/base';
import { parseMysqlDsn } from '../../src/datastore/sql/mysql-dsn';
import { pgClientConfig } from '../../src/datastore/sql/pg-options';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('MySQL DSN (go-sql-driver form)', () => {
  test("SPIRE's documented examples", () => {
    expect(parseMysqlDsn('username:password@tcp(localhost:3306)/dbname?parseTime=true')).toEqual({
      user: 'username',
      password: 'password',
      host: 'localhost',
      port: 3306,
      database: 'dbname',
      systemVariables: [],
    });
    expect(parseMysqlDsn('spire:@tcp(127.0.0.1)/spire_development?parseTime=true')).toMatchObject({
      user: 'spire',
      password: '',
      host: '127.0.0.1',
      port: 3306,
      database: 'spire_development',
    });
  });

  test('passwords with @ and :, IPv6, Unix sockets, no address, timeout, tls and system variables', () => {
    expect(parseMysqlDsn('u:p@ss:w@rd@tcp([::1]:3307)/db')).toMatchObject({
      user: 'u',
      password: 'p@ss:w@rd',
      host: '::1',
      port: 3307,
    });
    const unix = parseMysqlDsn('u@unix(/run/mysqld/mysqld.sock)/db');
    expect(unix.socketPath).toBe('/run/mysqld/mysqld.sock');
    expect(unix.host).toBeUndefined();
    expect(parseMysqlDsn('/db')).toMatchObject({ user: '', host: 'localhost', port: 3306, database: 'db' });
    expect(
      parseMysqlDsn(
        'u@tcp(h:1)/db?timeout=1.5s&tls=skip-verify&time_zone=%27%2B00%3A00%27&charset=utf8mb4,utf8',
      ),
    ).toMatchObject({
      connectTimeoutMs: 1500,
      tls: 'skip-verify',
      systemVariables: [['time_zone', "'+00:00'"]],
    });
    expect(parseMysqlDsn('u@tcp(h)/db?tls=true&loc=Local&collation=utf8mb4_general_ci').tls).toBe('verify');
  });

  test.each([
    ['u@tcp(h)', 'expected [user[:password]@][tcp(host:port)]/dbname'],
    ['u@tcp(h)/', 'the database name (after the last "/") is empty'],
    ['u@udp(h)/db', 'unsupported protocol/address "udp(h)"'],
    ['u@tcp(h:70000)/db', 'port 70000 is out of range'],
    [
      'u@tcp(h)/db?readTimeout=5s',
      'parameter "readTimeout" is not supported: the MySQL client has no per-read socket timeout',
    ],
    ['u@tcp(h)/db?allowCleartextPasswords=1', 'cleartext (IAM) authentication is not supported'],
    ['u@tcp(h)/db?tls=preferred', 'tls=preferred is not supported'],
    ['u@tcp(h)/db?charset=latin1', 'charset "latin1" is not supported'],
    ['u@tcp(h)/db?timeout=5', 'invalid duration "5"'],
    ['u@tcp(h)/db?sql_mode=ANSI', 'Lanyard sets its own (strict) sql_mode'],
    ['u@tcp(h)/db?x=1;drop', 'parameter "x" is neither a driver parameter nor a valid system variable'],
  ])('%s is refused', (dsn, message) => {
    const err = thrown(() => parseMysqlDsn(dsn));
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.message).toContain(message);
    expect(err.message).toMatch(/^mysql connection_string: /);
  });
});

describe('PostgreSQL connection strings (libpq forms)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lanyard-pgconn-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, 'CA PEM');

  test("SPIRE's keyword/value example; TLS is required by default as lib/pq does", () => {
    expect(
      pgClientConfig('dbname=postgres user=postgres password=password host=localhost sslmode=disable'),
    ).toMatchObject({
      database: 'postgres',
      user: 'postgres',
      password: 'password',
      host: 'localhost',
      ssl: false,
    });
    expect(pgClientConfig('dbname=spire host=db.example').ssl).toEqual({ rejectUnauthorized: false });
    expect(pgClientConfig('dbname=spire host=/var/run/postgresql').ssl).toBe(false);
  });

  test('quoting, escapes, spaces around =, ports, timeouts and application names', () => {
    expect(
      pgClientConfig(
        "host = 127.0.0.1 port=5433 password='it''s' user=a\\ b connect_timeout=3 fallback_application_name=spire options='-c search_path=x' sslmode=disable".replace(
          "'it''s'",
          "'it\\'s'",
        ),
      ),
    ).toMatchObject({
      host: '127.0.0.1',
      port: 5433,
      password: "it's",
      user: 'a b',
      connectionTimeoutMillis: 3000,
      application_name: 'spire',
      options: '-c search_path=x',
    });
  });

  test('URIs keep node-postgres defaults (no TLS unless sslmode says so)', () => {
    expect(pgClientConfig('postgres://u:p%40ss@[::1]:5444/db?options=-c%20search_path%3Ds')).toMatchObject({
      host: '::1',
      port: 5444,
      user: 'u',
      password: 'p@ss',
      database: 'db',
      options: '-c search_path=s',
      ssl: false,
    });
  });

  test('sslmode and the certificate files', () => {
    const verifyCa = pgClientConfig(`host=h sslmode=verify-ca sslrootcert=${ca}`).ssl as Record<
      string,
      unknown
    >;
    expect(verifyCa.ca).toBe('CA PEM');
    expect(typeof verifyCa.checkServerIdentity).toBe('function');
    expect(pgClientConfig(`host=h sslmode=verify-full sslrootcert=${ca}`).ssl).toEqual({ ca: 'CA PEM' });
    const requireWithCa = pgClientConfig(`host=h sslrootcert=${ca}`).ssl as Record<string, unknown>;
    expect(requireWithCa.ca).toBe('CA PEM');
    expect(pgClientConfig(`postgresql://h/db?sslmode=require&sslcert=${ca}&sslkey=${ca}`).ssl).toEqual({
      cert: 'CA PEM',
      key: 'CA PEM',
      rejectUnauthorized: false,
    });
  });

  test.each([
    ['', 'is empty'],
    ['/tmp/x', 'expected keyword=value at "/tmp/x"'],
    ['mysql://h/db', 'a URL must start with postgres:// or postgresql://'],
    ['host=h sslmode=prefer', 'sslmode=prefer is not supported'],
    ['host=h sslmode=bogus', 'sslmode "bogus" is not one of'],
    ['host=h target_session_attrs=any', 'parameter "target_session_attrs" is not supported'],
    ["host=h password='open", 'unterminated quoted value'],
    ['host=a,b', 'several hosts are not supported'],
    ['host=h port=x', 'port "x" is not a TCP port'],
    [
      'host=h sslmode=verify-full sslrootcert=/nonexistent/ca.pem',
      'sslrootcert /nonexistent/ca.pem cannot be read: ENOENT',
    ],
    ['host=h sslcert=/etc/hostname', 'sslcert and sslkey must be given together'],
  ])('%j is refused', (text, message) => {
    const err = thrown(() => pgClientConfig(text));
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.message).toContain(message);
  });
});
