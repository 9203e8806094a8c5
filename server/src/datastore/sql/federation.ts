import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '@lanyard/base';
import type { SpiffeBundle } from '@lanyard/spiffe';
import type {
  BundleEndpointProfile,
  FederationRelationship,
  FederationRelationshipMask,
  Page,
  PageRequest,
} from '../types';
import { storedFromRow } from './bundle-codec';
import { spiffeFromStored } from './spiffe-codec';
import { getBundle, setBundle } from './bundles';
import { decodePageToken, finishPage, pageSizeOf } from './paging';
import type { Db, FederationRelationshipTable, StoreContext } from './schema';
import { isUniqueViolation } from './sql-errors';

const PAGE_KIND = 'federation';
const PROFILES: readonly BundleEndpointProfile[] = ['https_web', 'https_spiffe'];

/** @throws InvalidArgumentError naming the field when the relationship cannot be stored. */
function validate(rel: FederationRelationship): void {
  if (!rel.trustDomain) throw new InvalidArgumentError('federation relationship: trust domain is required');
  if (!rel.bundleEndpointUrl)
    throw new InvalidArgumentError('federation relationship: bundle endpoint URL is required');
  if (!PROFILES.includes(rel.bundleEndpointProfile)) {
    throw new InvalidArgumentError(
      `federation relationship: unknown bundle endpoint profile "${rel.bundleEndpointProfile}"`,
    );
  }
  if (rel.bundleEndpointProfile === 'https_spiffe' && !rel.endpointSpiffeId) {
    throw new InvalidArgumentError(
      'federation relationship: endpoint SPIFFE ID is required for https_spiffe',
    );
  }
  if (rel.trustDomainBundle !== undefined && rel.trustDomainBundle.trustDomain.name !== rel.trustDomain) {
    throw new InvalidArgumentError(
      'federation relationship: trust domain bundle belongs to another trust domain',
    );
  }
}

function fromRow(r: FederationRelationshipTable, bundle: SpiffeBundle | undefined): FederationRelationship {
  const rel: FederationRelationship = {
    trustDomain: r.trust_domain,
    bundleEndpointUrl: r.bundle_endpoint_url,
    bundleEndpointProfile: r.bundle_endpoint_profile as BundleEndpointProfile,
  };
  if (r.endpoint_spiffe_id !== null) rel.endpointSpiffeId = r.endpoint_spiffe_id;
  if (bundle !== undefined) rel.trustDomainBundle = bundle;
  return rel;
}

function endpointColumns(rel: FederationRelationship): Omit<FederationRelationshipTable, 'trust_domain'> {
  return {
    bundle_endpoint_url: rel.bundleEndpointUrl,
    bundle_endpoint_profile: rel.bundleEndpointProfile,
    endpoint_spiffe_id: rel.bundleEndpointProfile === 'https_spiffe' ? (rel.endpointSpiffeId ?? null) : null,
  };
}

/** The relationship with its trust domain's stored bundle, or undefined. */
export async function getFederationRelationship(
  db: Db,
  trustDomain: string,
): Promise<FederationRelationship | undefined> {
  const row = await db
    .selectFrom('federation_relationships')
    .selectAll()
    .where('trust_domain', '=', trustDomain)
    .executeTakeFirst();
  return row === undefined ? undefined : fromRow(row, await getBundle(db, trustDomain));
}

/** Creates a relationship (and stores its bundle, if given) in one transaction. @throws AlreadyExistsError. */
export async function createFederationRelationship(
  ctx: StoreContext,
  rel: FederationRelationship,
): Promise<FederationRelationship> {
  validate(rel);
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('federation_relationships')
        .values({ trust_domain: rel.trustDomain, ...endpointColumns(rel) })
        .execute();
      if (rel.trustDomainBundle !== undefined) await setBundle(trx, rel.trustDomainBundle);
      return (await getFederationRelationship(trx, rel.trustDomain)) as FederationRelationship;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AlreadyExistsError('federation relationship already exists');
    throw err;
  }
}

/** Relationships ordered by trust domain, paged, with their bundles. */
export async function listFederationRelationships(
  db: Db,
  page?: PageRequest,
): Promise<Page<FederationRelationship>> {
  const size = pageSizeOf(page);
  const after = decodePageToken(PAGE_KIND, page?.pageToken);
  let query = db.selectFrom('federation_relationships').selectAll().orderBy('trust_domain');
  if (after !== undefined) query = query.where('trust_domain', '>', after);
  if (size > 0) query = query.limit(size + 1);
  const { rows, nextPageToken } = finishPage(await query.execute(), size, PAGE_KIND, (r) => r.trust_domain);
  const bundles = new Map<string, SpiffeBundle>();
  if (rows.length > 0) {
    const bundleRows = await db
      .selectFrom('bundles')
      .selectAll()
      .where(
        'trust_domain',
        'in',
        rows.map((r) => r.trust_domain),
      )
      .execute();
    for (const b of bundleRows) bundles.set(b.trust_domain, spiffeFromStored(storedFromRow(b)));
  }
  return { items: rows.map((r) => fromRow(r, bundles.get(r.trust_domain))), nextPageToken };
}

/** Writes the masked fields (the profile includes the endpoint SPIFFE ID). @throws NotFoundError. */
export async function updateFederationRelationship(
  ctx: StoreContext,
  rel: FederationRelationship,
  mask?: FederationRelationshipMask,
): Promise<FederationRelationship> {
  return ctx.db.transaction().execute(async (trx) => {
    const current = await getFederationRelationship(trx, rel.trustDomain);
    if (current === undefined) throw new NotFoundError('federation relationship not found');
    const all = mask === undefined;
    const next: FederationRelationship = {
      trustDomain: current.trustDomain,
      bundleEndpointUrl: all || mask.bundleEndpointUrl ? rel.bundleEndpointUrl : current.bundleEndpointUrl,
      bundleEndpointProfile:
        all || mask.bundleEndpointProfile ? rel.bundleEndpointProfile : current.bundleEndpointProfile,
      endpointSpiffeId: all || mask.bundleEndpointProfile ? rel.endpointSpiffeId : current.endpointSpiffeId,
      trustDomainBundle: all || mask.trustDomainBundle ? rel.trustDomainBundle : undefined,
    };
    validate(next);
    await trx
      .updateTable('federation_relationships')
      .set(endpointColumns(next))
      .where('trust_domain', '=', next.trustDomain)
      .execute();
    if (next.trustDomainBundle !== undefined) await setBundle(trx, next.trustDomainBundle);
    return (await getFederationRelationship(trx, next.trustDomain)) as FederationRelationship;
  });
}

/** Deletes the relationship (its bundle stays). @throws NotFoundError. */
export async function deleteFederationRelationship(db: Db, trustDomain: string): Promise<void> {
  const res = await db
    .deleteFrom('federation_relationships')
    .where('trust_domain', '=', trustDomain)
    .executeTakeFirst();
  if (Number(res.numDeletedRows) === 0) throw new NotFoundError('federation relationship not found');
}
