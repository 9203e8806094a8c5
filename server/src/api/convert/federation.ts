import { InvalidArgumentError } from '@lanyard/base';
import { bundleFromWire, completeBundleToWire } from '@lanyard/common';
import type { FederationRelationship, FederationRelationshipMask } from '../../datastore/types';
import type { RefreshStatus } from '../../federation/refresh-status';
import { parseSpiffeId, parseTrustDomain } from '../../util/spiffe-id';
import type { WireFederationRelationship, WireFederationRelationshipMask } from '../wire';

function fail(message: string): never {
  throw new InvalidArgumentError(`failed to convert federation relationship: ${message}`, 'ERR_FEDERATION');
}

/** Validates and converts a relationship: HTTPS URL, a profile, SPIFFE ID for `https_spiffe`. */
export function relationshipFromWire(
  wire: WireFederationRelationship,
  ownTrustDomain: string,
): FederationRelationship {
  let trustDomain: string;
  try {
    trustDomain = parseTrustDomain(wire.trust_domain);
  } catch (err) {
    fail(`trust_domain: ${(err as Error).message}`);
  }
  if (trustDomain === ownTrustDomain)
    fail(`unable to federate with the server's own trust domain "${trustDomain}"`);
  let url: URL;
  try {
    url = new URL(wire.bundle_endpoint_url);
  } catch {
    fail(`bundle_endpoint_url: unable to parse URL "${wire.bundle_endpoint_url}"`);
  }
  if (url.protocol !== 'https:')
    fail(`bundle_endpoint_url: scheme must be https, got "${url.protocol.slice(0, -1)}"`);
  const rel: FederationRelationship = {
    trustDomain,
    bundleEndpointUrl: wire.bundle_endpoint_url,
    bundleEndpointProfile: 'https_web',
  };
  if (wire.https_spiffe) {
    try {
      parseSpiffeId(wire.https_spiffe.endpoint_spiffe_id);
    } catch (err) {
      fail(`endpoint_spiffe_id: ${(err as Error).message}`);
    }
    rel.bundleEndpointProfile = 'https_spiffe';
    rel.endpointSpiffeId = wire.https_spiffe.endpoint_spiffe_id;
  } else if (!wire.https_web) {
    fail('bundle_endpoint_profile: missing profile');
  }
  if (wire.trust_domain_bundle) {
    const bundle = bundleFromWire(wire.trust_domain_bundle);
    if (bundle.trustDomain.name !== trustDomain)
      fail('trust_domain_bundle: trust domain does not match the relationship');
    rel.trustDomainBundle = bundle;
  }
  return rel;
}

/**
 * Relationship → wire with only masked fields (`trust_domain` always), plus the bundle client's last refresh
 * (Lanyard extension fields) when one was made.
 */
export function relationshipToWire(
  rel: FederationRelationship,
  mask?: WireFederationRelationshipMask | null,
  refresh?: RefreshStatus,
): Partial<WireFederationRelationship> {
  const all = mask === null || mask === undefined;
  const out: Partial<WireFederationRelationship> = { trust_domain: rel.trustDomain };
  if (all || mask.bundle_endpoint_url) out.bundle_endpoint_url = rel.bundleEndpointUrl;
  if (all || mask.bundle_endpoint_profile) {
    if (rel.bundleEndpointProfile === 'https_spiffe')
      out.https_spiffe = { endpoint_spiffe_id: rel.endpointSpiffeId ?? '' };
    else out.https_web = {};
  }
  if ((all || mask.trust_domain_bundle) && rel.trustDomainBundle)
    out.trust_domain_bundle = completeBundleToWire(rel.trustDomainBundle);
  if (refresh?.lastRefreshAt !== undefined) {
    out.last_refresh_time = Math.floor(refresh.lastRefreshAt / 1000);
    out.last_refresh_error = refresh.lastError ?? '';
  }
  return out;
}

/** Wire input mask → datastore mask. */
export function relationshipMaskFromWire(
  mask: WireFederationRelationshipMask | null | undefined,
): FederationRelationshipMask | undefined {
  if (mask === null || mask === undefined) return undefined;
  return {
    bundleEndpointUrl: mask.bundle_endpoint_url,
    bundleEndpointProfile: mask.bundle_endpoint_profile,
    trustDomainBundle: mask.trust_domain_bundle,
  };
}
