import type { TrustDomain } from '../id';
import { JwtBundle } from './jwt-bundle';
import type { JwtBundleSource, X509BundleSource } from './source';
import { SpiffeBundle } from './spiffe-bundle';
import { X509Bundle, bundleNotFound } from './x509-bundle';

/** A bundle of any kind: it knows its trust domain. */
interface HasTrustDomain {
  readonly trustDomain: TrustDomain;
}

/** Bundles keyed by trust domain name; adding a bundle replaces the one of the same trust domain. */
class BundleMap<B extends HasTrustDomain> {
  private readonly byName = new Map<string, B>();

  constructor(bundles: Iterable<B> = []) {
    for (const b of bundles) this.add(b);
  }

  /** Adds or replaces the bundle of `bundle.trustDomain`. */
  add(bundle: B): void {
    this.byName.set(bundle.trustDomain.name, bundle);
  }

  /** Removes the bundle of `trustDomain`; returns whether one was present. */
  remove(trustDomain: TrustDomain): boolean {
    return this.byName.delete(trustDomain.name);
  }

  /** The bundle of `trustDomain`, or `undefined`. */
  get(trustDomain: TrustDomain): B | undefined {
    return this.byName.get(trustDomain.name);
  }

  /** True if a bundle for `trustDomain` is present. */
  has(trustDomain: TrustDomain): boolean {
    return this.byName.has(trustDomain.name);
  }

  /** Number of trust domains. */
  get size(): number {
    return this.byName.size;
  }

  /** The bundles sorted by trust domain name. */
  bundles(): B[] {
    return [...this.byName.values()].sort((a, b) => a.trustDomain.compare(b.trustDomain));
  }
}

/** X.509 bundles of several trust domains; an {@link X509BundleSource}. */
export class X509BundleSet extends BundleMap<X509Bundle> implements X509BundleSource {
  /** @throws BundleError (`ERR_BUNDLE_NOT_FOUND`, NOT_FOUND) if no bundle for `trustDomain` is present. */
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle {
    const b = this.get(trustDomain);
    if (!b) throw bundleNotFound('x509', trustDomain);
    return b;
  }
}

/** JWT bundles of several trust domains; a {@link JwtBundleSource}. */
export class JwtBundleSet extends BundleMap<JwtBundle> implements JwtBundleSource {
  /** @throws BundleError (`ERR_BUNDLE_NOT_FOUND`, NOT_FOUND) if no bundle for `trustDomain` is present. */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle {
    const b = this.get(trustDomain);
    if (!b) throw bundleNotFound('jwt', trustDomain);
    return b;
  }
}

/** SPIFFE bundles of several trust domains; both an {@link X509BundleSource} and a {@link JwtBundleSource}. */
export class SpiffeBundleSet extends BundleMap<SpiffeBundle> implements X509BundleSource, JwtBundleSource {
  /** @throws BundleError (`ERR_BUNDLE_NOT_FOUND`, NOT_FOUND) if no bundle for `trustDomain` is present. */
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle {
    const b = this.get(trustDomain);
    if (!b) throw bundleNotFound('x509', trustDomain);
    return b.toX509Bundle();
  }

  /** @throws BundleError (`ERR_BUNDLE_NOT_FOUND`, NOT_FOUND) if no bundle for `trustDomain` is present. */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle {
    const b = this.get(trustDomain);
    if (!b) throw bundleNotFound('jwt', trustDomain);
    return b.toJwtBundle();
  }
}
