import { JwtBundle, JwtSvid, type JwtBundleSource, type TrustDomain } from '@lanyard/spiffe';
import { InvalidArgumentError, LanyardError, NotFoundError } from '@lanyard/base';
import type { TrustBundle } from '../manager/cache';

const jwtBundles = new WeakMap<TrustBundle, JwtBundle>();

/** The cache's bundles as a `JwtBundleSource` (one `JwtBundle` built per bundle object). */
export function jwtBundleSource(bundles: ReadonlyMap<string, TrustBundle>): JwtBundleSource {
  return {
    getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle {
      const bundle = bundles.get(trustDomain.name);
      if (!bundle) {
        throw new NotFoundError(
          `no bundle found for trust domain "${trustDomain.name}"`,
          'ERR_BUNDLE_NOT_FOUND',
        );
      }
      let jwt = jwtBundles.get(bundle);
      if (!jwt) {
        jwt = new JwtBundle(
          trustDomain,
          bundle.jwtAuthorities.map((a) => [a.keyId, a.publicKey]),
        );
        jwtBundles.set(bundle, jwt);
      }
      return jwt;
    },
  };
}

/**
 * Validates a JWT-SVID for one audience against the given bundles (go-spiffe `ParseAndValidate` rules, 60 s
 * leeway) and reports every failure as INVALID_ARGUMENT with the reason, as SPIRE's ValidateJWTSVID does.
 * @throws InvalidArgumentError.
 */
export function validateJwtSvid(
  token: string,
  audience: string,
  bundles: ReadonlyMap<string, TrustBundle>,
  now: Date = new Date(),
): JwtSvid {
  try {
    return JwtSvid.parseAndValidate(token, jwtBundleSource(bundles), [audience], { now });
  } catch (err) {
    if (!(err instanceof LanyardError)) throw err;
    throw new InvalidArgumentError(err.message, 'ERR_JWT_SVID_INVALID', { cause: err });
  }
}
