import { SpiffeId, TrustDomain } from '@lanyard/spiffe/id';

function asTrustDomain(trustDomain: string | TrustDomain): TrustDomain {
  return typeof trustDomain === 'string' ? TrustDomain.parse(trustDomain) : trustDomain;
}

/**
 * Builds an agent SPIFFE ID the way SPIRE lays them out: `spiffe://<td>/spire/agent/<plugin>/<segments…>`.
 * Segments are joined with `/` as given (a segment may itself hold `/`, e.g. a rendered path).
 * @throws SpiffeIdError if the trust domain or the resulting path is not valid.
 */
export function agentIdFor(trustDomain: string | TrustDomain, plugin: string, ...segments: string[]): string {
  return SpiffeId.fromPath(
    asTrustDomain(trustDomain),
    `/spire/agent/${[plugin, ...segments].join('/')}`,
  ).toString();
}

/** The ID SPIRE servers of `trustDomain` present: `spiffe://<td>/spire/server`. */
export function spireServerId(trustDomain: string | TrustDomain): SpiffeId {
  return SpiffeId.fromSegments(asTrustDomain(trustDomain), 'spire', 'server');
}

/** The prefix every agent ID of `trustDomain` starts with: `spiffe://<td>/spire/agent/`. */
export function agentIdPrefix(trustDomain: string | TrustDomain): string {
  return `${SpiffeId.fromSegments(asTrustDomain(trustDomain), 'spire', 'agent').toString()}/`;
}
