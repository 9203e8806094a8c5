/** JWT signing keys and JWT-SVID minting with `node:crypto` (compact JWS, header `{alg, kid, typ}`). */
import { randomBytes, randomInt, sign, type KeyObject } from 'node:crypto';
import { FailedPreconditionError, UnavailableError } from '@lanyard/spiffe';
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
  /** base64url of the JOSE header, computed once. */
  headerB64: string;
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
  const algorithm = algorithmFor(key);
  const header = { alg: algorithm, kid: record.keyId, typ: 'JWT' };
  return {
    authorityId: record.keyId,
    key,
    publicKeyDer: spkiOf(key),
    algorithm,
    notBefore: record.notBefore,
    notAfter: record.notAfter,
    headerB64: Buffer.from(JSON.stringify(header)).toString('base64url'),
  };
}

function algorithmFor(key: KeyObject): JwtAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType === 'ec' && curve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'ec' && curve === 'secp384r1') return 'ES384';
  throw new FailedPreconditionError('jwt key type is not supported', 'ERR_JWT_KEY_TYPE');
}

/** Claims of a JWT-SVID before signing. */
export interface JwtClaims {
  /** SPIFFE ID. */
  sub: string;
  /** Non-empty audiences. */
  aud: string[];
  /** Expiry, Unix seconds. */
  exp: number;
  /** Issued at, Unix seconds. */
  iat: number;
  /** Issuer (`jwt_issuer`), omitted when undefined. */
  iss?: string;
  /** Token ID, omitted when undefined. */
  jti?: string;
}

/** Signs `claims` with `authority`; ECDSA signatures are in JWS (IEEE P1363) form. */
export function signJwt(authority: JwtAuthority, claims: JwtClaims): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signingInput = `${authority.headerB64}.${payload}`;
  const hash = authority.algorithm === 'ES384' ? 'sha384' : 'sha256';
  const signature =
    authority.algorithm === 'RS256'
      ? sign(hash, Buffer.from(signingInput), authority.key)
      : sign(hash, Buffer.from(signingInput), { key: authority.key, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${signature.toString('base64url')}`;
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
