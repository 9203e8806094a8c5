/** Small facts about SPIFFE IDs and selectors that several lint rules share. */
import { SpiffeId, TrustDomain } from '@lanyard/spiffe';
import { managedCloudOfParent } from '../managed/identity';

/** `spiffe://<td>/spire/server`: the parent of node alias entries. */
export function serverId(trustDomain: string): string {
  return SpiffeId.fromPath(TrustDomain.parse(trustDomain), '/spire/server').toString();
}

/** True for a node alias entry (its parent is the server). */
export function isNodeAlias(parentId: string, trustDomain: string): boolean {
  return parentId === serverId(trustDomain);
}

/** True for the attestor-style parent of managed workloads (`spiffe://<td>/spire/managed/<cloud>`). */
export function isManagedParent(parentId: string, trustDomain: string): boolean {
  return managedCloudOfParent(trustDomain, parentId) !== undefined;
}

/** The selectors as a sorted, de-duplicated key, so two entries with the same set compare equal. */
export function selectorKey(selectors: readonly string[]): string {
  return [...new Set(selectors)].sort().join('\n');
}

/** True when every selector of `subset` is in `superset`. */
export function isSubset(subset: readonly string[], superset: readonly string[]): boolean {
  const all = new Set(superset);
  return subset.every((s) => all.has(s));
}
