/** Reading the JSON envelope of a JWK Set with errors naming the field. */
import { BundleError } from '../errors/bundle-error';
import type { Jwk } from './jwk';

/** A parsed JWK Set document: its `keys` and every other top-level member. */
export type JwkSetDocument = Record<string, unknown> & { keys: Jwk[] };

/**
 * Parses JSON text (string or UTF-8 bytes) as a JWK Set object with a `keys` array of objects.
 * @param what names the document in errors, e.g. `jwt bundle for "example.org"`.
 * @throws BundleError (`ERR_JWKS_MALFORMED`).
 */
export function parseJwkSet(input: string | Uint8Array, what: string): JwkSetDocument {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new BundleError('ERR_JWKS_MALFORMED', `${what}: not valid json`, { cause: err });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new BundleError('ERR_JWKS_MALFORMED', `${what}: not a json object`);
  }
  const keys = (doc as Record<string, unknown>).keys;
  if (!Array.isArray(keys))
    throw new BundleError('ERR_JWKS_MALFORMED', `${what}: "keys" is missing or not an array`);
  keys.forEach((k, i) => {
    if (typeof k !== 'object' || k === null || Array.isArray(k)) {
      throw new BundleError('ERR_JWKS_MALFORMED', `${what}: keys[${i}] is not an object`);
    }
  });
  return doc as JwkSetDocument;
}

/** Checks that an optional string member (e.g. `use`, `kid`) is a string when present. */
export function optionalString(jwk: Jwk, member: 'use' | 'kid', where: string): string | undefined {
  const v = jwk[member];
  if (v === undefined) return undefined;
  if (typeof v !== 'string')
    throw new BundleError('ERR_JWKS_MALFORMED', `${where}: "${member}" is not a string`);
  return v;
}
