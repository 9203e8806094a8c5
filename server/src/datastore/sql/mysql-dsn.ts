import { InvalidArgumentError, parseDuration } from '@lanyard/base';

/*
 * SPIRE's MySQL `connection_string` is a go-sql-driver DSN:
 * `[user[:password]@][protocol[(address)]]/dbname[?param=value&…]`, e.g.
 * `spire:secret@tcp(127.0.0.1:3306)/spire?parseTime=true`. This module reads it into the parts mysql2 needs
 * and refuses what Lanyard cannot honour, naming the parameter.
 */

/** Where and as whom to connect, read from a DSN. */
export interface MysqlDsn {
  user: string;
  password: string;
  /** TCP host (absent for a Unix socket). */
  host?: string;
  port?: number;
  /** `unix(/path)`. */
  socketPath?: string;
  database: string;
  /** `timeout=…` in milliseconds. */
  connectTimeoutMs?: number;
  /** `tls=…`: `true` (verified), `skip-verify` (unverified), or absent/`false` (none). */
  tls?: 'verify' | 'skip-verify';
  /** Other parameters, which go-sql-driver sends as `SET name = value` on every new connection. */
  systemVariables: [string, string][];
}

const DEFAULT_PORT = 3306;

/** go-sql-driver parameters that change nothing in Lanyard (each with the reason in docs/configuration.md). */
const NO_EFFECT = new Set([
  'parseTime', // times are stored as unix seconds, never as DATETIME
  'loc',
  'interpolateParams',
  'checkConnLiveness',
  'clientFoundRows', // Lanyard always counts matched rows
  'columnsWithAlias',
  'maxAllowedPacket',
  'allowNativePasswords',
  'collation', // every Lanyard column has its own binary collation
]);

/** go-sql-driver parameters Lanyard refuses, with the reason. */
const REFUSED: Record<string, string> = {
  allowCleartextPasswords: 'cleartext (IAM) authentication is not supported',
  allowOldPasswords: 'pre-4.1 password hashing is not supported',
  allowAllFiles: 'LOAD DATA LOCAL INFILE is never used',
  allowFallbackToPlaintext: 'use tls=true or tls=false',
  compress: 'protocol compression is not supported',
  connectionAttributes: 'connection attributes are not supported',
  multiStatements: 'Lanyard sends one statement at a time',
  readTimeout: 'the MySQL client has no per-read socket timeout',
  writeTimeout: 'the MySQL client has no per-write socket timeout',
  rejectReadOnly: 'not supported; a read-only primary fails writes with an error',
  serverPubKey: 'registered server public keys are not supported (use tls=true)',
  timeTruncate: 'times are stored as unix seconds',
  sql_mode: 'Lanyard sets its own (strict) sql_mode',
  transaction_isolation: 'Lanyard runs its transactions READ COMMITTED',
  tx_isolation: 'Lanyard runs its transactions READ COMMITTED',
};

/** A system variable value go-sql-driver would send verbatim: a number, a word, or a quoted string. */
const SYSTEM_VALUE = /^(-?\d+(\.\d+)?|[A-Za-z0-9_.-]+|'[^'\\]*'|"[^"\\]*")$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function invalid(message: string): InvalidArgumentError {
  return new InvalidArgumentError(`mysql connection_string: ${message}`, 'ERR_DATASTORE_DSN');
}

/** `tcp(host:port)`, `tcp([::1]:port)`, `tcp(host)`, `unix(/path)` or nothing (localhost:3306). */
function parseAddress(netAddr: string): Pick<MysqlDsn, 'host' | 'port' | 'socketPath'> {
  if (netAddr === '') return { host: 'localhost', port: DEFAULT_PORT };
  const m = /^(tcp|tcp4|tcp6|unix)(?:\((.*)\))?$/.exec(netAddr);
  if (m === null)
    throw invalid(`unsupported protocol/address "${netAddr}" (use tcp(host:port) or unix(/path))`);
  const [, protocol, address = ''] = m;
  if (protocol === 'unix') {
    if (address === '') throw invalid('unix() needs a socket path');
    return { socketPath: address };
  }
  if (address === '') return { host: 'localhost', port: DEFAULT_PORT };
  const hostPort = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(address);
  if (hostPort === null) throw invalid(`malformed address "${address}"`);
  const port = hostPort[2] === undefined ? DEFAULT_PORT : Number(hostPort[2]);
  if (port < 1 || port > 65535) throw invalid(`port ${port} is out of range`);
  return { host: (hostPort[1] ?? '').replace(/^\[(.*)\]$/, '$1'), port };
}

function applyParam(dsn: MysqlDsn, name: string, value: string): void {
  if (NO_EFFECT.has(name)) return;
  const refused = REFUSED[name];
  if (refused !== undefined) throw invalid(`parameter "${name}" is not supported: ${refused}`);
  switch (name) {
    case 'charset':
      if (!value.split(',').some((c) => c === 'utf8mb4' || c === 'utf8'))
        throw invalid(`charset "${value}" is not supported: Lanyard always talks utf8mb4`);
      return;
    case 'timeout':
      dsn.connectTimeoutMs = parseDuration(value, { field: 'mysql connection_string: timeout' });
      return;
    case 'tls':
      if (value === 'true') dsn.tls = 'verify';
      else if (value === 'skip-verify') dsn.tls = 'skip-verify';
      else if (value === 'false') dsn.tls = undefined;
      else
        throw invalid(
          `tls=${value} is not supported (use true, skip-verify or false; a CA goes in root_ca_path)`,
        );
      return;
    default:
      if (!IDENTIFIER.test(name) || !SYSTEM_VALUE.test(value))
        throw invalid(`parameter "${name}" is neither a driver parameter nor a valid system variable`);
      dsn.systemVariables.push([name, value]);
  }
}

/**
 * Reads a go-sql-driver DSN. The database name is after the last `/`; user and password before the last `@`
 * (the password is what follows the first `:`).
 * @throws InvalidArgumentError naming the part or parameter that is malformed or unsupported.
 */
export function parseMysqlDsn(connectionString: string): MysqlDsn {
  const slash = connectionString.lastIndexOf('/');
  const question = connectionString.indexOf('?', slash);
  if (slash < 0 || (question >= 0 && question < slash))
    throw invalid('expected [user[:password]@][tcp(host:port)]/dbname[?param=value…]');
  const head = connectionString.slice(0, slash);
  const database = connectionString.slice(slash + 1, question < 0 ? undefined : question);
  if (database === '') throw invalid('the database name (after the last "/") is empty');
  const at = head.lastIndexOf('@');
  const credentials = at < 0 ? '' : head.slice(0, at);
  const colon = credentials.indexOf(':');
  const dsn: MysqlDsn = {
    user: colon < 0 ? credentials : credentials.slice(0, colon),
    password: colon < 0 ? '' : credentials.slice(colon + 1),
    database,
    systemVariables: [],
    ...parseAddress(head.slice(at + 1)),
  };
  if (question >= 0) {
    for (const [name, value] of new URLSearchParams(connectionString.slice(question + 1)))
      applyParam(dsn, name, value);
  }
  return dsn;
}
