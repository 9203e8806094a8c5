import { InvalidArgumentError, NotFoundError } from '@lanyard/base';
import type { FederationRelationship } from '../../datastore/types';
import { parseTrustDomain } from '../../util/spiffe-id';
import { relationshipFromWire, relationshipMaskFromWire, relationshipToWire } from '../convert/federation';
import { whoCalled } from '../../audit/trail-fields';
import type { RpcContext } from '../boundary';
import type { ApiDeps } from '../deps';
import { OK_STATUS, apiStatusOf, unimplemented, type ApiStatus } from '../status';
import { requireBatchSize, requireNonNegative } from '../validate';
import type { WireFederationRelationship, WireFederationRelationshipMask } from '../wire';
import { TrustDomain } from '@lanyard/spiffe/id';

type RelResult = { status: ApiStatus; federation_relationship?: Partial<WireFederationRelationship> };

function tdArgument(value: string): string {
  try {
    return parseTrustDomain(value);
  } catch (err) {
    throw new InvalidArgumentError(`failed to parse trust domain: ${(err as Error).message}`, 'ERR_TD');
  }
}

/** The TrustDomain service: federation relationships (dynamic, stored in the datastore). */
export class TrustDomainApi {
  constructor(private readonly deps: ApiDeps) {}

  async list(req: {
    output_mask: WireFederationRelationshipMask | null;
    page_size: number;
    page_token: string;
  }) {
    requireNonNegative(req.page_size, 'page_size');
    const page = await this.deps.datastore.listFederationRelationships({
      pageSize: req.page_size,
      pageToken: req.page_token,
    });
    return {
      federation_relationships: page.items.map((r) =>
        relationshipToWire(r, req.output_mask, this.deps.federationStatus?.(r.trustDomain)),
      ),
      next_page_token: page.nextPageToken,
    };
  }

  async get(req: { trust_domain: string; output_mask: WireFederationRelationshipMask | null }) {
    const rel = await this.deps.datastore.getFederationRelationship(tdArgument(req.trust_domain));
    if (rel === undefined)
      throw new NotFoundError('federation relationship does not exist', 'ERR_FR_NOT_FOUND');
    return relationshipToWire(rel, req.output_mask, this.deps.federationStatus?.(rel.trustDomain));
  }

  private async each(
    list: WireFederationRelationship[],
    mask: WireFederationRelationshipMask | null,
    op: (rel: FederationRelationship) => Promise<FederationRelationship>,
    change: { event: 'federation_relationship_created' | 'federation_relationship_updated'; ctx: RpcContext },
  ) {
    requireBatchSize(list.length, this.deps.maxBatchSize, 'federation_relationships');
    const results: RelResult[] = [];
    for (const wire of list) {
      try {
        const rel = await op(relationshipFromWire(wire, this.deps.trustDomain));
        this.recordChange(change.event, rel.trustDomain, change.ctx, relationshipToWire(rel));
        results.push({ status: OK_STATUS, federation_relationship: relationshipToWire(rel, mask) });
      } catch (err) {
        results.push({ status: apiStatusOf(err) });
      }
    }
    this.deps.onRelationshipsChanged?.();
    return { results };
  }

  batchCreate(
    req: {
      federation_relationships: WireFederationRelationship[];
      output_mask: WireFederationRelationshipMask | null;
    },
    ctx: RpcContext,
  ) {
    return this.each(
      req.federation_relationships,
      req.output_mask,
      (rel) => this.deps.datastore.createFederationRelationship(rel),
      { event: 'federation_relationship_created', ctx },
    );
  }

  batchUpdate(
    req: {
      federation_relationships: WireFederationRelationship[];
      input_mask: WireFederationRelationshipMask | null;
      output_mask: WireFederationRelationshipMask | null;
    },
    ctx: RpcContext,
  ) {
    const mask = relationshipMaskFromWire(req.input_mask);
    return this.each(
      req.federation_relationships,
      req.output_mask,
      (rel) => this.deps.datastore.updateFederationRelationship(rel, mask),
      { event: 'federation_relationship_updated', ctx },
    );
  }

  async batchDelete(req: { trust_domains: string[] }, ctx: RpcContext) {
    requireBatchSize(req.trust_domains.length, this.deps.maxBatchSize, 'trust_domains');
    const results: Array<{ status: ApiStatus; trust_domain: string }> = [];
    for (const value of req.trust_domains) {
      try {
        const td = tdArgument(value);
        await this.deps.datastore.deleteFederationRelationship(td);
        this.recordChange('federation_relationship_deleted', td, ctx, undefined);
        results.push({ status: OK_STATUS, trust_domain: td });
      } catch (err) {
        results.push({ status: apiStatusOf(err), trust_domain: value });
      }
    }
    this.deps.onRelationshipsChanged?.();
    return { results };
  }

  /** Trail line of a relationship change, keyed by the trust domain's ID (`spiffe://<td>`). */
  private recordChange(
    event:
      | 'federation_relationship_created'
      | 'federation_relationship_updated'
      | 'federation_relationship_deleted',
    trustDomain: string,
    ctx: RpcContext,
    after: Partial<WireFederationRelationship> | undefined,
  ): void {
    const relationship =
      after === undefined
        ? undefined
        : {
            bundle_endpoint_url: after.bundle_endpoint_url,
            bundle_endpoint_profile: after.https_spiffe ? 'https_spiffe' : 'https_web',
            endpoint_spiffe_id: after.https_spiffe?.endpoint_spiffe_id,
          };
    this.deps.trail?.record({
      event,
      spiffe_id: TrustDomain.parse(trustDomain).idString(),
      ...whoCalled(ctx.caller),
      ...(relationship === undefined ? {} : { after: relationship }),
    });
  }

  /** Fetches the trust domain's bundle now (stored or configured relationship) and reports the outcome. */
  async refreshBundle(req: { trust_domain: string }) {
    const td = tdArgument(req.trust_domain);
    if (this.deps.refreshBundle !== undefined) {
      await this.deps.refreshBundle(td);
      return {};
    }
    if ((await this.deps.datastore.getFederationRelationship(td)) === undefined) {
      throw new NotFoundError(`no relationship with trust domain "${td}"`, 'ERR_FR_NOT_FOUND');
    }
    return unimplemented('refreshing federated bundles');
  }
}
