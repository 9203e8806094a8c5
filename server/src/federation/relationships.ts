/**
 * The relationships the bundle client manages: those created through the TrustDomain API (stored) plus the
 * static `federates_with` blocks of the config file, which override a stored one for the same trust domain
 * (as SPIRE).
 */
import type { FederatesWithConfig } from '../config/types';
import type { DataStore } from '../datastore/types';

/** A relationship as the refresh client needs it. */
export interface ManagedRelationship {
  trustDomain: string;
  bundleEndpointUrl: string;
  bundleEndpointProfile: 'https_web' | 'https_spiffe';
  endpointSpiffeId?: string;
  /** True for `federates_with` blocks of the config file. */
  fromConfig: boolean;
}

/** True when both describe the same endpoint (URL, profile and endpoint ID). */
export function sameEndpoint(a: ManagedRelationship, b: ManagedRelationship): boolean {
  return (
    a.bundleEndpointUrl === b.bundleEndpointUrl &&
    a.bundleEndpointProfile === b.bundleEndpointProfile &&
    (a.endpointSpiffeId ?? '') === (b.endpointSpiffeId ?? '')
  );
}

/** Reads every stored relationship (all pages) and lays the static ones over them; keyed by trust domain. */
export async function loadRelationships(
  datastore: DataStore,
  fromConfig: readonly FederatesWithConfig[],
): Promise<Map<string, ManagedRelationship>> {
  const out = new Map<string, ManagedRelationship>();
  let pageToken = '';
  do {
    const page = await datastore.listFederationRelationships({ pageSize: 500, pageToken });
    for (const rel of page.items) {
      out.set(rel.trustDomain, {
        trustDomain: rel.trustDomain,
        bundleEndpointUrl: rel.bundleEndpointUrl,
        bundleEndpointProfile: rel.bundleEndpointProfile,
        endpointSpiffeId: rel.endpointSpiffeId,
        fromConfig: false,
      });
    }
    pageToken = page.nextPageToken;
  } while (pageToken);
  for (const rel of fromConfig) out.set(rel.trustDomain, { ...rel, fromConfig: true });
  return out;
}
