/** Conversions between JWKs and `node:crypto` public keys, limited to the key types SPIFFE bundles may carry. */
import { JsonWebKey, KeyObject, createPublicKey } from 'node:crypto';
import { BundleError } from '../errors/bundle-error';

/** A JWK as found in a JWK Set: the key parameters plus `kid`, `use`, `x5c` and any other members. */
export type Jwk = JsonWebKey & { kid?: string; use?: string; x5c?: string[] };

const EC_CURVES = new Set(['P-256', 'P-384', 'P-521']);
const NODE_CURVE_TO_JWK: Record<string, string> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

function malformed(where: string, problem: string, cause?: unknown): BundleError {
  return new BundleError('ERR_JWK_MALFORMED', `${where}: ${problem}`, { cause });
}

function requireString(jwk: Jwk, member: string, where: string): void {
  const v = (jwk as Record<string, unknown>)[member];
  if (typeof v !== 'string' || v.length === 0)
    throw malformed(where, `"${member}" is missing or not a string`);
}

/** Checks `kty` and the members it requires; only EC (P-256/384/521), RSA and OKP Ed25519 are supported. */
function checkKeyParams(jwk: Jwk, where: string): void {
  if (jwk.kty === 'EC') {
    if (typeof jwk.crv !== 'string' || !EC_CURVES.has(jwk.crv)) {
      throw malformed(where, `unsupported "crv" ${JSON.stringify(jwk.crv)}`);
    }
    requireString(jwk, 'x', where);
    requireString(jwk, 'y', where);
  } else if (jwk.kty === 'RSA') {
    requireString(jwk, 'n', where);
    requireString(jwk, 'e', where);
  } else if (jwk.kty === 'OKP') {
    if (jwk.crv !== 'Ed25519') throw malformed(where, `unsupported "crv" ${JSON.stringify(jwk.crv)}`);
    requireString(jwk, 'x', where);
  } else {
    throw malformed(where, `unsupported "kty" ${JSON.stringify(jwk.kty)}`);
  }
  if (typeof jwk.d === 'string') throw malformed(where, 'holds private key material ("d")');
}

/**
 * Imports the public key described by `jwk`.
 * @param where names the key in errors, e.g. `keys[2]`.
 * @throws BundleError (`ERR_JWK_MALFORMED`) for unsupported or malformed keys.
 */
export function jwkToPublicKey(jwk: Jwk, where: string): KeyObject {
  checkKeyParams(jwk, where);
  const params: JsonWebKey = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, n: jwk.n, e: jwk.e };
  try {
    return createPublicKey({ key: params, format: 'jwk' });
  } catch (err) {
    throw malformed(where, 'key parameters are invalid', err);
  }
}

/**
 * Exports a public key as a JWK holding only the key parameters (`kty`, `crv`/`x`/`y` or `n`/`e`).
 * @throws BundleError if the key type cannot appear in a SPIFFE bundle.
 */
export function publicKeyToJwk(key: KeyObject, where: string): Jwk {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const kind = pub.asymmetricKeyType;
  if (kind === 'ec') {
    const curve = pub.asymmetricKeyDetails?.namedCurve ?? '';
    if (!NODE_CURVE_TO_JWK[curve]) throw malformed(where, `unsupported ec curve ${curve}`);
  } else if (kind !== 'rsa' && kind !== 'ed25519') {
    throw malformed(where, `unsupported key type ${String(kind)}`);
  }
  const jwk = pub.export({ format: 'jwk' });
  if (kind === 'rsa') return { kty: jwk.kty, n: jwk.n, e: jwk.e };
  if (kind === 'ed25519') return { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
}

/** True if two keys have the same public half (compared by SPKI DER); either may be a private key. */
export function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  const spki = { format: 'der', type: 'spki' } as const;
  const pub = (k: KeyObject) => (k.type === 'private' ? createPublicKey(k) : k);
  return pub(a).export(spki).equals(pub(b).export(spki));
}
