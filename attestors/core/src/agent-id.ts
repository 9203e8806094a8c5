/**
 * Builds an agent SPIFFE ID the way SPIRE lays them out: `spiffe://<td>/spire/agent/<plugin>/<segments…>`.
 * Segments are joined with `/` as given; callers pass values already valid as SPIFFE ID path segments.
 */
export function agentIdFor(trustDomain: string, plugin: string, ...segments: string[]): string {
  return `spiffe://${trustDomain}/spire/agent/${[plugin, ...segments].join('/')}`;
}
