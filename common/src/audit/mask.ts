import { createHash } from 'node:crypto';
import { isSecretFieldName, REDACTED } from '../log/redact';

/**
 * A join token's fingerprint: `sha256:` and the first 16 hex digits of its SHA-256. Trail lines carry it
 * instead of the token, so `join_token_created`, `join_token_used` and the node's events can be joined while
 * the token itself is never written.
 */
export function tokenFingerprint(token: string): string {
  return `sha256:${createHash('sha256').update(token).digest('hex').slice(0, 16)}`;
}

const JOIN_TOKEN_ID = /(\/spire\/agent\/join_token\/)([^\s/"']+)/g;
const MAX_DEPTH = 8;

/**
 * Returns a copy of a trail event with secrets masked: secret-named fields (`token`, `private_key`, …) become
 * `[redacted]` and the token inside a join token agent ID is replaced by its {@link tokenFingerprint}, so the
 * node stays identifiable (`spiffe://td/spire/agent/join_token/sha256:1f2e…`) without revealing the token.
 */
export function maskTrailValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return value.replace(JOIN_TOKEN_ID, (_all, prefix: string, token: string) =>
      token.startsWith('sha256:') ? `${prefix}${token}` : `${prefix}${tokenFingerprint(token)}`,
    );
  }
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => maskTrailValue(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = isSecretFieldName(key) ? REDACTED : maskTrailValue(inner, depth + 1);
  }
  return out;
}
