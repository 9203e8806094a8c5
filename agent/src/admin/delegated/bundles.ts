/** SubscribeToX509Bundles and SubscribeToJWTBundles: every bundle the agent holds, own and federated. */
import type { SpiffeBundle } from '@lanyard/spiffe';
import type { IdentityCache } from '../../manager/cache';
import { rootsDer, sameBundleMap, trustDomainKey } from '../../workload/bundles';
import { jwksJson } from '../../workload/jwt-bundles';
import { notReady } from '../../workload/status';
import { dedupe, type StepFunction, type StreamStep } from '../../workload/stream';

/**
 * `spiffe://<td>` → rendered bundle for the own trust domain and every federated one the agent holds (not only
 * those of one workload's entries: a delegate serves many workloads, as in SPIRE).
 */
export function allBundlesMap(
  own: SpiffeBundle,
  federated: ReadonlyMap<string, SpiffeBundle>,
  render: (bundle: SpiffeBundle) => Buffer,
): Record<string, Buffer> {
  const map: Record<string, Buffer> = { [trustDomainKey(own.trustDomain.name)]: render(own) };
  for (const [td, bundle] of federated) map[trustDomainKey(td)] = render(bundle);
  return map;
}

/**
 * Steps of a bundle stream: the delegate is re-checked on every update; UNAVAILABLE before the first sync;
 * the map is sent first and then whenever a bundle changes.
 */
function bundleStreamSteps<T>(
  cache: IdentityCache,
  recheck: () => void,
  render: (bundle: SpiffeBundle) => Buffer,
  wrap: (map: Record<string, Buffer>) => T,
  unwrap: (message: T) => Record<string, Buffer>,
): StepFunction<T> {
  const send = dedupe(
    (update) => wrap(allBundlesMap(update.bundle!, cache.federatedBundles(), render)),
    (a: T, b: T) => sameBundleMap(unwrap(a), unwrap(b)),
  );
  return (update): StreamStep<T> => {
    recheck();
    if (!update.bundle) return { kind: 'end', error: notReady() };
    return send(update);
  };
}

/** SubscribeToX509Bundles: `ca_certificates` holds each trust domain's X.509 roots as concatenated DER. */
export function x509BundleStreamSteps(cache: IdentityCache, recheck: () => void) {
  return bundleStreamSteps(
    cache,
    recheck,
    rootsDer,
    (map) => ({ ca_certificates: map }),
    (m) => m.ca_certificates,
  );
}

/** SubscribeToJWTBundles: `bundles` holds each trust domain's JWT keys as an RFC 7517 JWK Set. */
export function jwtBundleStreamSteps(cache: IdentityCache, recheck: () => void) {
  return bundleStreamSteps(
    cache,
    recheck,
    jwksJson,
    (map) => ({ bundles: map }),
    (m) => m.bundles,
  );
}
