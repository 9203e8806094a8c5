/** The JWT-key flavour of {@link AuthorityKind}. */
import type { AuthorityKind } from './authority-manager';
import type { StoredJwtRecord } from './journal';
import { loadJwtAuthority, newKeyId, type JwtAuthority } from './jwt-authority';
import type { KeyType } from './types';

/** Builds the JWT kind; keys live `ttlMs` (SPIRE: `ca_ttl`). */
export function jwtKind(keyType: KeyType, ttlMs: number): AuthorityKind<JwtAuthority, StoredJwtRecord> {
  return {
    keyIdPrefix: 'JWT-Signer-',
    logName: 'JWT key',
    labels: { noun: 'key', missing: 'no JWT Key found with provided key ID' },
    keyType,
    mint: (key, nowMs) => {
      const notAfter = Math.floor((nowMs + ttlMs) / 1000) * 1000;
      return loadJwtAuthority({ keyId: newKeyId(), notBefore: nowMs, notAfter }, key);
    },
    load: (record, key) => loadJwtAuthority(record, key),
    toRecord: (a) => ({ keyId: a.authorityId, notBefore: a.notBefore, notAfter: a.notAfter }),
    publishedEntries: (a) => [
      { id: a.authorityId, der: a.publicKeyDer, notAfter: a.notAfter, tainted: false },
    ],
  };
}
