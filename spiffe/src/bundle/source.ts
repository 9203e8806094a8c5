import type { TrustDomain } from '../id';
import type { JwtBundle } from './jwt-bundle';
import type { X509Bundle } from './x509-bundle';

/**
 * Anything that can hand out the X.509 bundle of a trust domain: a bundle, a bundle set, a Workload API
 * source. Verification code depends only on this, never on where the roots come from.
 */
export interface X509BundleSource {
  /**
   * Returns the X.509 bundle of `trustDomain`.
   * @throws BundleError (`ERR_BUNDLE_NOT_FOUND`, NOT_FOUND) (`ERR_BUNDLE_NOT_FOUND`) if the source has no bundle for it.
   */
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle;
}

/** Anything that can hand out the JWT bundle (kid → public key) of a trust domain. */
export interface JwtBundleSource {
  /**
   * Returns the JWT bundle of `trustDomain`.
   * @throws BundleError (`ERR_BUNDLE_NOT_FOUND`, NOT_FOUND) (`ERR_BUNDLE_NOT_FOUND`) if the source has no bundle for it.
   */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle;
}
