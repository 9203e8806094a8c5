/**
 * Redaction guard for log fields: values of fields whose names say they hold a secret are replaced
 * with `[redacted]`, at any depth, before a log line is formatted.
 */

/** What a redacted value is replaced with. */
export const REDACTED = '[redacted]';

const SECRET_NAME = /(^|_)(token|password|passwd|secret|private_key|privatekey|svid_key|key)$/i;
const NOT_SECRET = /(^|_)public_key$/i;
const MAX_DEPTH = 8;

/** True when a field with this name must never be logged in clear (e.g. `join_token`, `private_key`, `key`). */
export function isSecretFieldName(name: string): boolean {
  return SECRET_NAME.test(name) && !NOT_SECRET.test(name);
}

/**
 * Masks the token in every join token agent ID (`spiffe://td/spire/agent/join_token/<token>`) in a text:
 * the agent ID embeds the token, which is a secret until it is used, so it never reaches a log in clear.
 */
export function redactJoinTokens(text: string): string {
  return text.replace(/(\/spire\/agent\/join_token\/)[^\s/"']+/g, '$1<redacted>');
}

/**
 * Returns a copy of `value` with every secret-named field replaced by {@link REDACTED} and join tokens
 * masked in every string (see {@link redactJoinTokens}).
 */
export function redactFields(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactJoinTokens(value);
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (value instanceof Error || Buffer.isBuffer(value) || value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((item) => redactFields(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = isSecretFieldName(key) ? REDACTED : redactFields(inner, depth + 1);
  }
  return out;
}
