import { KeyObject } from 'node:crypto';
import { BundleError } from '../errors/bundle-error';
import type { TrustDomain } from '../id';
import { jwkToPublicKey, publicKeyToJwk } from './jwk';
import { optionalString, parseJwkSet } from './jwks';
import type { JwtBundleSource } from './source';
import { bundleNotFound } from './x509-bundle';

/**
 * The JWT authorities (kid → public key) of one trust domain. Immutable; also a {@link JwtBundleSource}
 * answering for its own trust domain only.
 *
 * @example
 * ```ts
 * const bundle = JwtBundle.parse(td, '{"keys":[{"kid":"k1","kty":"EC","crv":"P-256","x":"…","y":"…"}]}');
 * bundle.findJwtAuthority('k1'); // KeyObject
 * ```
 */
export class JwtBundle implements JwtBundleSource {
  /** The trust domain these authorities belong to. */
  readonly trustDomain: TrustDomain;
  /** Public keys by key ID. */
  readonly jwtAuthorities: ReadonlyMap<string, KeyObject>;

  constructor(
    trustDomain: TrustDomain,
    jwtAuthorities: ReadonlyMap<string, KeyObject> | Iterable<[string, KeyObject]>,
  ) {
    this.trustDomain = trustDomain;
    const map = new Map(jwtAuthorities);
    for (const [kid, key] of map) {
      if (kid.length === 0)
        throw new BundleError('ERR_JWKS_MALFORMED', 'jwt authority: key id cannot be empty');
      if (key.type === 'secret')
        throw new BundleError('ERR_BUNDLE_INVALID', `jwt authority "${kid}": not a public key`);
    }
    this.jwtAuthorities = map;
  }

  /**
   * Parses a JWK Set (RFC 7517, as served by `FetchJWTBundles`). Every key needs a unique `kid`; entries with a
   * `use` other than `jwt-svid` are skipped.
   * @throws BundleError (`ERR_JWKS_MALFORMED` / `ERR_JWK_MALFORMED`) naming the key index and field.
   */
  static parse(trustDomain: TrustDomain, input: string | Uint8Array): JwtBundle {
    const what = `jwt bundle for "${trustDomain.name}"`;
    const doc = parseJwkSet(input, what);
    const map = new Map<string, KeyObject>();
    doc.keys.forEach((jwk, i) => {
      const where = `${what}: keys[${i}]`;
      const use = optionalString(jwk, 'use', where);
      if (use !== undefined && use !== 'jwt-svid') return;
      const kid = optionalString(jwk, 'kid', where);
      if (!kid) throw new BundleError('ERR_JWKS_MALFORMED', `${where}: "kid" is missing`);
      if (map.has(kid))
        throw new BundleError('ERR_JWKS_MALFORMED', `${where}: duplicate "kid" ${JSON.stringify(kid)}`);
      map.set(kid, jwkToPublicKey(jwk, where));
    });
    return new JwtBundle(trustDomain, map);
  }

  /** The public key for `kid`, or `undefined`. */
  findJwtAuthority(kid: string): KeyObject | undefined {
    return this.jwtAuthorities.get(kid);
  }

  /**
   * Serialises as a plain JWK Set (`{"keys":[{kid, kty, …}]}`, no `use`), the form SPIRE serves over the
   * Workload API; `"keys": []` when empty.
   */
  marshal(): string {
    const keys = [...this.jwtAuthorities].map(([kid, key]) => ({
      kid,
      ...publicKeyToJwk(key, `jwt authority "${kid}"`),
    }));
    return JSON.stringify({ keys });
  }

  /** True if both bundles have the same trust domain and the same kid → key pairs. */
  equals(other: JwtBundle): boolean {
    if (!this.trustDomain.equals(other.trustDomain) || this.jwtAuthorities.size !== other.jwtAuthorities.size)
      return false;
    for (const [kid, key] of this.jwtAuthorities) {
      const theirs = other.jwtAuthorities.get(kid);
      if (!theirs || !theirs.equals(key)) return false;
    }
    return true;
  }

  /** Returns this bundle if `trustDomain` is its own, else throws BundleError (`ERR_BUNDLE_NOT_FOUND`, NOT_FOUND). */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle {
    if (!trustDomain.equals(this.trustDomain)) throw bundleNotFound('jwt', trustDomain);
    return this;
  }
}
