/** Shared by the X.509-SVID and both bundle RPCs: bundle maps keyed by trust domain, rendered once per bundle. */
import type { PluginLogger } from '@lanyard/attestor-core';
import type { SpiffeBundle } from '@lanyard/spiffe';
import type { WorkloadUpdate } from '../manager/cache';
import type { AttestedCaller } from './caller';
import { noIdentity, notReady } from './status';
import { dedupe, type StepFunction } from './stream';
import { TrustDomain } from '@lanyard/spiffe/id';

const rootsCache = new WeakMap<SpiffeBundle, Buffer>();

/** `spiffe://<td>`: the key form of every bundle map on the Workload API. */
export function trustDomainKey(trustDomain: string): string {
  return TrustDomain.parse(trustDomain).idString();
}

/** The bundle's X.509 roots as one DER blob (computed once per bundle object). */
export function rootsDer(bundle: SpiffeBundle): Buffer {
  let der = rootsCache.get(bundle);
  if (!der) {
    der = bundle.toX509Bundle().marshalDer();
    rootsCache.set(bundle, der);
  }
  return der;
}

/** Own plus federated bundles as `spiffe://td` → rendered bytes, own trust domain first. */
export function bundleMap(
  update: WorkloadUpdate,
  bundle: SpiffeBundle,
  render: (b: SpiffeBundle) => Buffer,
): Record<string, Buffer> {
  const map: Record<string, Buffer> = { [trustDomainKey(bundle.trustDomain.name)]: render(bundle) };
  for (const [td, fb] of update.federatedBundles) map[trustDomainKey(td)] = render(fb);
  return map;
}

/** True when two bundle maps hold the same keys and bytes (used to suppress duplicate bundle messages). */
export function sameBundleMap(a: Record<string, Buffer>, b: Record<string, Buffer>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => b[k] !== undefined && a[k].equals(b[k]));
}

/** Shared steps of the two bundle streams: readiness, identity check (unless allowed), de-duplication. */
export function bundleSteps<T extends { bundles?: Record<string, Buffer | Uint8Array | string> }>(
  logger: PluginLogger,
  caller: AttestedCaller,
  allowUnauthenticated: boolean,
  render: (update: WorkloadUpdate) => T,
): StepFunction<T> {
  const send = dedupe(render, (a, b) =>
    sameBundleMap((a.bundles ?? {}) as Record<string, Buffer>, (b.bundles ?? {}) as Record<string, Buffer>),
  );
  return (update) => {
    if (!update.bundle) return { kind: 'end', error: notReady() };
    if (update.entries.length === 0 && !allowUnauthenticated) {
      return { kind: 'end', error: noIdentity(logger, caller) };
    }
    return send(update);
  };
}
