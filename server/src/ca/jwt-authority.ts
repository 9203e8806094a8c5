/** JWT signing keys: loading, key IDs, expiry capping. Tokens are minted with `signJwtSvid` from `@lanyard/spiffe`. */
import { randomBytes, randomInt, type KeyObject } from 'node:crypto';
import { FailedPreconditionError, UnavailableError } from '@lanyard/base';
import { spkiOf } from './der/spki';

/** JWS algorithms the CA signs with. */
export type JwtAlgorithm = 'ES256' | 'ES384' | 'RS256';

/** A loaded JWT signing key. Times are milliseconds. */
export interface JwtAuthority {
  /** `kid`, 32 chars `[a-zA-Z0-9]` (the LocalAuthority authority ID). */
  authorityId: string;
  /** Private key (cached KeyObject). */
  key: KeyObject;
  /** PKIX DER public key, as published in the bundle. */
  publicKeyDer: Buffer;
  /** `alg` chosen from the key. */
  algorithm: JwtAlgorithm;
  /** When the key was created (ms). */
  notBefore: number;
  /** Key expiry (ms); tokens never outlive it. */
  notAfter: number;
}

/** What the journal stores for a JWT key besides the private key itself. */
export interface JwtAuthorityRecord {
  /** Key ID. */
  keyId: string;
  /** Creation time (ms). */
  notBefore: number;
  /** Expiry (ms). */
  notAfter: number;
}

const KEY_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A fresh key ID: 32 random characters from `[a-zA-Z0-9]` (SPIRE's format). */
export function newKeyId(): string {
  let id = '';
  for (let i = 0; i < 32; i++) id += KEY_ID_ALPHABET[randomInt(KEY_ID_ALPHABET.length)];
  return id;
}

/** Builds a {@link JwtAuthority} from its record and private key. */
export function loadJwtAuthority(record: JwtAuthorityRecord, key: KeyObject): JwtAuthority {
  return {
    authorityId: record.keyId,
    key,
    publicKeyDer: spkiOf(key),
    algorithm: algorithmFor(key),
    notBefore: record.notBefore,
    notAfter: record.notAfter,
  };
}

function algorithmFor(key: KeyObject): JwtAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType === 'ec' && curve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'ec' && curve === 'secp384r1') return 'ES384';
  throw new FailedPreconditionError('jwt key type is not supported', 'ERR_JWT_KEY_TYPE');
}

/** `exp` for a token minted now: now + ttl capped at the key's expiry (both Unix seconds). */
export function cappedExpiry(authority: JwtAuthority, nowMs: number, ttlSeconds: number): number {
  if (nowMs >= authority.notAfter)
    throw new UnavailableError('jwt key has expired; waiting for rotation', 'ERR_JWT_KEY_EXPIRED');
  return Math.min(Math.floor(nowMs / 1000) + ttlSeconds, Math.floor(authority.notAfter / 1000));
}

/** A random `jti`: 16 random bytes, base64url. */
export function newTokenId(): string {
  return randomBytes(16).toString('base64url');
}
