import * as crypto from 'node:crypto';
import { der } from '@lanyard/base';

/** Key algorithms the test CA can generate. `ec-p256` is the default everywhere. */
export type TestKeyType = 'ec-p256' | 'ec-p384' | 'rsa-2048' | 'ed25519';

/** A generated key pair. */
export interface TestKeyPair {
  readonly privateKey: crypto.KeyObject;
  readonly publicKey: crypto.KeyObject;
}

/** Generates a fresh key pair of the given type (synchronous; RSA-2048 takes ~50–100 ms). */
export function generateTestKey(type: TestKeyType = 'ec-p256'): TestKeyPair {
  switch (type) {
    case 'ec-p256':
      return crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'ec-p384':
      return crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' });
    case 'rsa-2048':
      return crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'ed25519':
      return crypto.generateKeyPairSync('ed25519');
  }
}

/** How a certificate signature is made with a given issuer key. */
export interface SignatureScheme {
  /** DER AlgorithmIdentifier OID. */
  readonly oid: string;
  /** Whether the AlgorithmIdentifier carries an explicit NULL parameter (RSA PKCS#1 v1.5). */
  readonly nullParams: boolean;
  /** Digest passed to `crypto.sign` (`null` for Ed25519). */
  readonly digest: string | null;
}

/** Picks the X.509 signature scheme for an issuer key: ECDSA-SHA256/384, SHA256-RSA or Ed25519. */
export function signatureSchemeFor(key: crypto.KeyObject): SignatureScheme {
  const type = key.asymmetricKeyType;
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'secp384r1') return { oid: der.Oid.ecdsaWithSha384, nullParams: false, digest: 'sha384' };
    return { oid: der.Oid.ecdsaWithSha256, nullParams: false, digest: 'sha256' };
  }
  if (type === 'rsa') return { oid: der.Oid.sha256WithRsa, nullParams: true, digest: 'sha256' };
  if (type === 'ed25519') return { oid: der.Oid.ed25519, nullParams: false, digest: null };
  throw new Error(`test key type ${String(type)} is not supported for signing certificates`);
}

/** JWS `alg` matching a key: ES256/ES384 for EC, RS256 for RSA, EdDSA for Ed25519 (not allowed in JWT-SVIDs). */
export function jwsAlgorithmFor(key: crypto.KeyObject): string {
  const type = key.asymmetricKeyType;
  if (type === 'ec') return key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'ES384' : 'ES256';
  if (type === 'rsa') return 'RS256';
  return 'EdDSA';
}

/** Signs `data` for a JWS with the key's natural algorithm (raw r||s for ECDSA, as JWS requires). */
export function jwsSign(key: crypto.KeyObject, data: Buffer): Buffer {
  const type = key.asymmetricKeyType;
  if (type === 'ec') {
    const digest = key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'sha384' : 'sha256';
    return crypto.sign(digest, data, { key, dsaEncoding: 'ieee-p1363' });
  }
  if (type === 'rsa') return crypto.sign('sha256', data, key);
  return crypto.sign(null, data, key);
}
