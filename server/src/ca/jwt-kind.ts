/** The JWT-key flavour of {@link AuthorityKind}. */
import type { AuthorityKind } from './authority-manager';
import type { StoredJwtRecord } from './journal';
import { loadJwtAuthority, newKeyId, type JwtAuthority } from './jwt-authority';
import type { KeyType } from './types';

/**
 * Builds the JWT kind; keys live `ttlMs` (SPIRE: `ca_ttl`). `publish` (nested SPIRE) runs on every new key
 * before it is used: a key the upstream server refused is not installed.
 */
export function jwtKind(
  keyType: KeyType,
  ttlMs: number,
  publish?: (key: JwtAuthority) => Promise<void>,
): AuthorityKind<JwtAuthority, StoredJwtRecord> {
  return {
    keyIdPrefix: 'JWT-Signer-',
    logName: 'JWT key',
    labels: { noun: 'key', missing: 'no JWT Key found with provided key ID' },
    keyType,
    mint: (key, nowMs) => {
      const notAfter = Math.floor((nowMs + ttlMs) / 1000) * 1000;
      const authority = loadJwtAuthority({ keyId: newKeyId(), notBefore: nowMs, notAfter }, key);
      return publish ? publish(authority).then(() => authority) : authority;
    },
    load: (record, key) => loadJwtAuthority(record, key),
    toRecord: (a) => ({ keyId: a.authorityId, notBefore: a.notBefore, notAfter: a.notAfter }),
    publishedEntries: (a) => [
      { id: a.authorityId, der: a.publicKeyDer, notAfter: a.notAfter, tainted: false },
    ],
  };
}
