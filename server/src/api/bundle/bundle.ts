import { InvalidArgumentError, NotFoundError } from '@lanyard/base';
import { type SpiffeBundle, TrustDomain } from '@lanyard/spiffe';
import type { BundleDeleteMode } from '../../datastore/types';
import { parseTrustDomain } from '../../util/spiffe-id';
import {
  bundleFromAuthorities,
  bundleFromWire,
  bundleToWire,
  jwtAuthorityFromWire,
  jwtKeysToWire,
  x509AuthorityFromWire,
} from '@lanyard/common';
import { bundleMaskFromWire } from '../convert/bundle';
import type { RpcContext } from '../boundary';
import type { ApiDeps } from '../deps';
import { OK_STATUS, apiStatusOf, type ApiStatus } from '../status';
import { requireBatchSize, requireNonNegative } from '../validate';
import type { WireBundle, WireBundleMask, WireJwtKey, WireX509Certificate } from '../wire';

type BundleResult = { status: ApiStatus; bundle?: Partial<WireBundle> };

/** The Bundle service: our trust bundle and federated bundles. */
export class BundleApi {
  constructor(private readonly deps: ApiDeps) {}

  private async own(): Promise<SpiffeBundle> {
    const bundle = await this.deps.ownBundle();
    if (bundle === undefined) throw new NotFoundError('bundle not found', 'ERR_BUNDLE_NOT_FOUND');
    return bundle;
  }

  private ownTrustDomain(): TrustDomain {
    return TrustDomain.parse(this.deps.trustDomain);
  }

  async getBundle(req: { output_mask: WireBundleMask | null }) {
    return bundleToWire(await this.own(), req.output_mask);
  }

  async appendBundle(req: {
    x509_authorities: WireX509Certificate[];
    jwt_authorities: WireJwtKey[];
    output_mask: WireBundleMask | null;
  }) {
    if (req.x509_authorities.length === 0 && req.jwt_authorities.length === 0) {
      throw new InvalidArgumentError('no authorities to append', 'ERR_NO_AUTHORITIES');
    }
    const bundle = await this.deps.datastore.appendBundle(
      bundleFromAuthorities(
        this.ownTrustDomain(),
        req.x509_authorities.map((a, i) => x509AuthorityFromWire(a, `x509_authorities[${i}]`)),
        req.jwt_authorities.map((a, i) => jwtAuthorityFromWire(a, `jwt_authorities[${i}]`)),
      ),
    );
    this.deps.onLocalBundleChanged?.();
    return bundleToWire(bundle, req.output_mask);
  }

  async publishJwtAuthority(req: { jwt_authority: WireJwtKey | null }, ctx: RpcContext) {
    await this.deps.rateLimits?.wait(ctx, 1);
    if (req.jwt_authority === null)
      throw new InvalidArgumentError('missing JWT authority', 'ERR_NO_AUTHORITIES');
    const key = jwtAuthorityFromWire(req.jwt_authority, 'jwt_authority');
    const bundle = await this.deps.datastore.appendBundle(
      bundleFromAuthorities(this.ownTrustDomain(), [], [key]),
    );
    this.deps.onLocalBundleChanged?.();
    return { jwt_authorities: jwtKeysToWire(bundle) };
  }

  async countBundles() {
    return { count: await this.deps.datastore.countBundles() };
  }

  async listFederatedBundles(req: {
    output_mask: WireBundleMask | null;
    page_size: number;
    page_token: string;
  }) {
    requireNonNegative(req.page_size, 'page_size');
    const page = await this.deps.datastore.listBundles({
      pageSize: req.page_size,
      pageToken: req.page_token,
    });
    const bundles = page.items.filter((b) => b.trustDomain.name !== this.deps.trustDomain);
    return {
      bundles: bundles.map((b) => bundleToWire(b, req.output_mask)),
      next_page_token: page.nextPageToken,
    };
  }

  private federatedTd(value: string, verb: string): string {
    let td: string;
    try {
      td = parseTrustDomain(value);
    } catch (err) {
      throw new InvalidArgumentError(
        `trust domain argument is not valid: ${(err as Error).message}`,
        'ERR_TD',
      );
    }
    if (td === this.deps.trustDomain) {
      throw new InvalidArgumentError(
        `${verb} a federated bundle for the server's own trust domain is not allowed`,
        'ERR_OWN_TD',
      );
    }
    return td;
  }

  async getFederatedBundle(req: { trust_domain: string; output_mask: WireBundleMask | null }) {
    const td = this.federatedTd(req.trust_domain, 'getting');
    const bundle = await this.deps.datastore.getBundle(td);
    if (bundle === undefined) throw new NotFoundError('bundle not found', 'ERR_BUNDLE_NOT_FOUND');
    return bundleToWire(bundle, req.output_mask);
  }

  private async eachBundle(
    list: WireBundle[],
    verb: string,
    mask: WireBundleMask | null,
    op: (b: SpiffeBundle) => Promise<SpiffeBundle>,
  ) {
    requireBatchSize(list.length, this.deps.maxBatchSize, 'bundle');
    const results: BundleResult[] = [];
    for (const wire of list) {
      try {
        const bundle = bundleFromWire(wire);
        this.federatedTd(bundle.trustDomain.name, verb);
        results.push({ status: OK_STATUS, bundle: bundleToWire(await op(bundle), mask) });
      } catch (err) {
        results.push({ status: apiStatusOf(err) });
      }
    }
    return { results };
  }

  batchCreate(req: { bundle: WireBundle[]; output_mask: WireBundleMask | null }) {
    return this.eachBundle(req.bundle, 'creating', req.output_mask, (b) =>
      this.deps.datastore.createBundle(b),
    );
  }

  batchUpdate(req: {
    bundle: WireBundle[];
    input_mask: WireBundleMask | null;
    output_mask: WireBundleMask | null;
  }) {
    const mask = bundleMaskFromWire(req.input_mask);
    return this.eachBundle(req.bundle, 'updating', req.output_mask, (b) =>
      this.deps.datastore.updateBundle(b, mask),
    );
  }

  batchSet(req: { bundle: WireBundle[]; output_mask: WireBundleMask | null }) {
    return this.eachBundle(req.bundle, 'setting', req.output_mask, (b) => this.deps.datastore.setBundle(b));
  }

  async batchDelete(req: { trust_domains: string[]; mode: string | number }) {
    requireBatchSize(req.trust_domains.length, this.deps.maxBatchSize, 'trust_domains');
    const mode = deleteMode(req.mode);
    const results: Array<{ status: ApiStatus; trust_domain: string }> = [];
    for (const value of req.trust_domains) {
      try {
        const td = this.federatedTd(value, 'removing');
        await this.deps.datastore.deleteBundle(td, mode);
        results.push({ status: OK_STATUS, trust_domain: td });
      } catch (err) {
        results.push({ status: apiStatusOf(err), trust_domain: value });
      }
    }
    await this.deps.cache.refresh();
    return { results };
  }
}

function deleteMode(mode: string | number): BundleDeleteMode {
  const byName: Record<string, BundleDeleteMode> = {
    RESTRICT: 'RESTRICT',
    DELETE: 'DELETE',
    DISSOCIATE: 'DISSOCIATE',
    '0': 'RESTRICT',
    '1': 'DELETE',
    '2': 'DISSOCIATE',
  };
  const value = byName[String(mode)];
  if (value === undefined)
    throw new InvalidArgumentError(`mode: unknown delete mode "${mode}"`, 'ERR_DELETE_MODE');
  return value;
}
