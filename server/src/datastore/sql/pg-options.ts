import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type pg from 'pg';
import { InvalidArgumentError } from '@lanyard/base';
import { parsePgConninfo } from './pg-conninfo';

/*
 * libpq keywords → node-postgres client settings. `sslmode` follows libpq: `disable`; `require` (TLS, no
 * verification, or verify-ca when `sslrootcert` is given, as libpq does); `verify-ca` (chain only);
 * `verify-full` (chain and host name). Without `sslmode` the keyword form defaults to `require` as SPIRE's
 * lib/pq driver does, and the URI form to `disable` as node-postgres does.
 */

function invalid(message: string): InvalidArgumentError {
  return new InvalidArgumentError(`postgres connection_string: ${message}`, 'ERR_DATASTORE_DSN');
}

function readPem(keywords: Map<string, string>, key: string): string | undefined {
  const path = keywords.get(key);
  if (path === undefined || path === '') return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw invalid(`${key} ${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** The `ssl` setting for `sslmode` and the certificate keywords. */
function tlsSettings(keywords: Map<string, string>, defaultMode: string): false | ConnectionOptions {
  const mode = keywords.get('sslmode') ?? defaultMode;
  const ca = readPem(keywords, 'sslrootcert');
  const cert = readPem(keywords, 'sslcert');
  const key = readPem(keywords, 'sslkey');
  if ((cert === undefined) !== (key === undefined))
    throw invalid('sslcert and sslkey must be given together');
  const client = cert === undefined ? {} : { cert, key };
  switch (mode) {
    case 'disable':
      return false;
    case 'require':
      return ca === undefined
        ? { ...client, rejectUnauthorized: false }
        : { ...client, ca, checkServerIdentity: () => undefined };
    case 'verify-ca':
      return { ...client, ca, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { ...client, ca };
    case 'allow':
    case 'prefer':
      throw invalid(
        `sslmode=${mode} is not supported: the client cannot fall back between TLS and plaintext; use require, verify-ca, verify-full or disable`,
      );
    default:
      throw invalid(`sslmode "${mode}" is not one of disable, require, verify-ca, verify-full`);
  }
}

function portOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(`port "${value}" is not a TCP port`);
  return port;
}

function connectTimeoutMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 0)
    throw invalid(`connect_timeout "${value}" is not whole seconds`);
  return seconds === 0 ? undefined : seconds * 1000;
}

/**
 * node-postgres client settings for a libpq connection string (either form).
 * @throws InvalidArgumentError for a malformed string, an unsupported keyword or sslmode, or an unreadable
 * certificate file.
 */
export function pgClientConfig(connectionString: string): pg.ClientConfig {
  const { form, keywords } = parsePgConninfo(connectionString);
  const host = keywords.get('hostaddr') ?? keywords.get('host');
  if (host?.includes(',')) throw invalid('several hosts are not supported; give one host');
  return {
    host,
    port: portOf(keywords.get('port')),
    database: keywords.get('dbname'),
    user: keywords.get('user'),
    password: keywords.get('password'),
    application_name: keywords.get('application_name') ?? keywords.get('fallback_application_name'),
    options: keywords.get('options'),
    connectionTimeoutMillis: connectTimeoutMs(keywords.get('connect_timeout')),
    // As libpq, a Unix socket (a host starting with "/") never uses TLS.
    ssl: host?.startsWith('/') ? false : tlsSettings(keywords, form === 'keyword' ? 'require' : 'disable'),
  };
}
