import { InvalidArgumentError } from '@lanyard/base';

/*
 * PostgreSQL connection strings in both libpq forms: keyword/value (`dbname=spire user=spire host=db
 * sslmode=verify-full`, the form SPIRE documents) and URI (`postgres://user@host:5432/db?sslmode=…`).
 * Both are read into libpq keywords; `pg-options.ts` turns those into node-postgres settings.
 */

/** The libpq keywords Lanyard honours. */
export const PG_KEYWORDS = new Set([
  'host',
  'hostaddr',
  'port',
  'dbname',
  'user',
  'password',
  'connect_timeout',
  'application_name',
  'fallback_application_name',
  'options',
  'sslmode',
  'sslrootcert',
  'sslcert',
  'sslkey',
]);

/** libpq keyword → value, and which form the string had. */
export interface PgConninfo {
  form: 'keyword' | 'uri';
  keywords: Map<string, string>;
}

function invalid(message: string): InvalidArgumentError {
  return new InvalidArgumentError(`postgres connection_string: ${message}`, 'ERR_DATASTORE_DSN');
}

function setKeyword(keywords: Map<string, string>, key: string, value: string): void {
  if (!PG_KEYWORDS.has(key))
    throw invalid(`parameter "${key}" is not supported (supported: ${[...PG_KEYWORDS].join(', ')})`);
  keywords.set(key, value);
}

/** Reads one value at `i`: single-quoted (with `\'` and `\\`) or up to the next whitespace; returns [value, next]. */
function readValue(text: string, start: number): [string, number] {
  let i = start;
  let value = '';
  const quoted = text[i] === "'";
  if (quoted) i += 1;
  for (; i < text.length; i += 1) {
    const ch = text[i] as string;
    if (quoted && ch === "'") return [value, i + 1];
    if (!quoted && /\s/.test(ch)) return [value, i];
    if (ch === '\\' && i + 1 < text.length) {
      i += 1;
      value += text[i];
    } else value += ch;
  }
  if (quoted) throw invalid('unterminated quoted value');
  return [value, i];
}

/** libpq keyword/value form: `key = value` pairs separated by whitespace. */
function parseKeywordValue(text: string): Map<string, string> {
  const keywords = new Map<string, string>();
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i] as string)) {
      i += 1;
      continue;
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*/.exec(text.slice(i));
    if (m === null) throw invalid(`expected keyword=value at "${text.slice(i, i + 20)}"`);
    const [value, next] = readValue(text, i + m[0].length);
    setKeyword(keywords, m[1] as string, value);
    i = next;
  }
  return keywords;
}

/** libpq URI form: `postgres[ql]://[user[:password]@][host][:port][/dbname][?keyword=value&…]`. */
function parseUri(text: string): Map<string, string> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid('malformed postgres:// URL');
  }
  const keywords = new Map<string, string>();
  if (url.hostname !== '')
    setKeyword(keywords, 'host', decodeURIComponent(url.hostname.replace(/^\[(.*)\]$/, '$1')));
  if (url.port !== '') setKeyword(keywords, 'port', url.port);
  if (url.username !== '') setKeyword(keywords, 'user', decodeURIComponent(url.username));
  if (url.password !== '') setKeyword(keywords, 'password', decodeURIComponent(url.password));
  const dbname = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (dbname !== '') setKeyword(keywords, 'dbname', dbname);
  for (const [key, value] of url.searchParams) setKeyword(keywords, key, value);
  return keywords;
}

/**
 * Reads a libpq connection string (keyword/value or `postgres://` / `postgresql://` URI).
 * @throws InvalidArgumentError naming the malformed part or the unsupported keyword.
 */
export function parsePgConninfo(connectionString: string): PgConninfo {
  const text = connectionString.trim();
  if (text === '') throw invalid('is empty');
  if (/^postgres(ql)?:\/\//.test(text)) return { form: 'uri', keywords: parseUri(text) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text))
    throw invalid('a URL must start with postgres:// or postgresql://');
  return { form: 'keyword', keywords: parseKeywordValue(text) };
}
