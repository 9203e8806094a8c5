/** Turns JWT authorities into the JWKS the provider serves on `/keys`. */
import type { KeyObject } from 'node:crypto';

/** One served JWK: public members only, with `kid`, `alg` and (with `set_key_use`) `use: "sig"`. */
export interface ServedJwk {
  readonly kty: string;
  readonly kid: string;
  readonly alg: string;
  readonly use?: 'sig';
  readonly [member: string]: string | undefined;
}

/** The JWS algorithm a key signs with, as SPIRE derives it: RSA → RS256, P-256 → ES256, P-384 → ES384. */
export function algorithmOf(key: KeyObject): string | undefined {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType !== 'ec') return undefined;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve === 'prime256v1') return 'ES256';
  if (curve === 'secp384r1') return 'ES384';
  return undefined;
}

/** The public members of `key` as a JWK (never private members such as `d`). */
function publicMembers(key: KeyObject): Record<string, string> {
  const jwk = key.export({ format: 'jwk' }) as Record<string, string>;
  if (jwk.kty === 'RSA') return { kty: 'RSA', n: jwk.n, e: jwk.e };
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
}

/**
 * The JWK Set for `authorities` (kid → public key), sorted by kid. Keys of a type no cloud verifies (e.g. P-521
 * or Ed25519) are left out and returned in `skipped`.
 */
export function buildJwks(
  authorities: ReadonlyMap<string, KeyObject>,
  setKeyUse: boolean,
): { keys: ServedJwk[]; skipped: string[] } {
  const keys: ServedJwk[] = [];
  const skipped: string[] = [];
  for (const kid of [...authorities.keys()].sort()) {
    const key = authorities.get(kid)!;
    const alg = algorithmOf(key);
    if (!alg) {
      skipped.push(kid);
      continue;
    }
    keys.push({
      ...publicMembers(key),
      kid,
      alg,
      ...(setKeyUse ? { use: 'sig' as const } : {}),
    } as ServedJwk);
  }
  return { keys, skipped };
}
