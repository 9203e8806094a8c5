import type { X509Certificate } from 'node:crypto';
import { X509BundleSet, type X509Bundle, type X509BundleSource } from '../bundle';
import type { TrustDomain } from '../id';
import type { X509Svid, X509SvidSource } from '../x509';

/**
 * What the TLS helpers need: our current SVID, the bundles of every trusted trust domain, and (optionally) a
 * way to hear about rotations. `X509Source` implements it; {@link staticTlsSource} wraps fixed material.
 */
export interface TlsSource extends X509SvidSource, X509BundleSource {
  /** Every trusted trust domain's X.509 bundle. */
  getX509Bundles(): X509BundleSet;
  /** Subscribes to SVID/bundle changes; returns an unsubscribe function. Absent for fixed material. */
  onUpdate?(listener: () => void): () => void;
}

/** The trust half of a {@link TlsSource}, for peers that present no SVID of their own. */
export type TlsBundleSource = Pick<TlsSource, 'getX509Bundles' | 'getX509BundleForTrustDomain' | 'onUpdate'>;

/** A {@link TlsSource} over a fixed SVID and bundles (no rotation). */
export function staticTlsSource(svid: X509Svid, bundles: X509BundleSet | readonly X509Bundle[]): TlsSource {
  const set = bundles instanceof X509BundleSet ? bundles : new X509BundleSet(bundles);
  return {
    getX509Svid: () => svid,
    getX509Bundles: () => set,
    getX509BundleForTrustDomain: (td: TrustDomain) => set.getX509BundleForTrustDomain(td),
  };
}

/** Every root of every trusted trust domain, for OpenSSL's first pass; per-TD checks happen afterwards. */
export function pooledRoots(source: Pick<TlsSource, 'getX509Bundles'>): X509Certificate[] {
  return source
    .getX509Bundles()
    .bundles()
    .flatMap((bundle) => [...bundle.x509Authorities]);
}
