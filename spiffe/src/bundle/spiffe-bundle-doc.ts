/** Reading and writing the JWK entries and SPIFFE members of a SPIFFE bundle document (SPIFFE.md §4). */
import { KeyObject, X509Certificate } from 'node:crypto';
import { BundleError } from '../errors/bundle-error';
import { Jwk, jwkToPublicKey, publicKeyToJwk, samePublicKey } from './jwk';
import { optionalString } from './jwks';

/** `use` value of X.509 authority entries. */
export const USE_X509_SVID = 'x509-svid';
/** `use` value of JWT authority entries. */
export const USE_JWT_SVID = 'jwt-svid';

function bad(where: string, problem: string, cause?: unknown): BundleError {
  return new BundleError('ERR_SPIFFE_BUNDLE_MALFORMED', `${where}: ${problem}`, { cause });
}

/**
 * Reads an `x509-svid` entry: `x5c` must hold exactly one standard-base64 DER certificate (go-spiffe is this
 * strict) whose public key equals the JWK's key parameters.
 */
export function readX509Entry(jwk: Jwk, where: string): X509Certificate {
  const x5c: unknown = jwk.x5c;
  if (!Array.isArray(x5c) || x5c.length !== 1 || typeof x5c[0] !== 'string') {
    throw bad(where, '"x5c" must be an array of exactly one certificate');
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(Buffer.from(x5c[0], 'base64'));
  } catch (err) {
    throw bad(where, '"x5c"[0] is not a der certificate in base64', err);
  }
  const key = jwkToPublicKey(jwk, where);
  if (!samePublicKey(key, cert.publicKey))
    throw bad(where, 'key parameters do not match the "x5c" certificate');
  return cert;
}

/** Reads a `jwt-svid` entry: `kid` is required. */
export function readJwtEntry(jwk: Jwk, where: string): [string, KeyObject] {
  const kid = optionalString(jwk, 'kid', where);
  if (!kid) throw bad(where, '"kid" is missing');
  return [kid, jwkToPublicKey(jwk, where)];
}

/**
 * Reads an optional non-negative integer member (`spiffe_sequence`, `spiffe_refresh_hint`).
 * Values above 2^53 - 1 are refused rather than silently rounded.
 */
export function readUint(doc: Record<string, unknown>, member: string, what: string): number | undefined {
  const v = doc[member];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw bad(what, `"${member}" must be a non-negative integer`);
  }
  return v;
}

/** Builds the `x509-svid` JWK for an authority certificate. */
export function writeX509Entry(cert: X509Certificate, index: number): Jwk {
  return {
    use: USE_X509_SVID,
    ...publicKeyToJwk(cert.publicKey, `x509 authority ${index}`),
    x5c: [cert.raw.toString('base64')],
  };
}

/** Builds the `jwt-svid` JWK for a signing key; Ed25519 is refused (not an allowed JWT-SVID algorithm). */
export function writeJwtEntry(kid: string, key: KeyObject): Jwk {
  const where = `jwt authority "${kid}"`;
  if (key.asymmetricKeyType === 'ed25519') throw bad(where, 'ed25519 keys cannot sign jwt-svids');
  return { use: USE_JWT_SVID, kid, ...publicKeyToJwk(key, where) };
}
