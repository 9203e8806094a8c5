import type { PluginLogger } from '@lanyard/attestor-core';
import type { SpiffeWorkloadAPIHandlers, X509SVIDResponse } from '@lanyard/proto';
import type { SpiffeBundle } from '@lanyard/spiffe';
import type { WorkloadUpdate } from '../manager/cache';
import type { AttestedCaller } from './caller';
import type { WorkloadTrail } from './trail';
import { rootsDer, sameBundleMap, trustDomainKey } from './bundles';
import { streamHandler, type WorkloadHandlerDeps } from './rpc-wrappers';
import { noIdentity, notReady } from './status';
import { dedupe, type StepFunction, type StreamStep } from './stream';

/** The complete X509SVIDResponse for a view that has an own bundle and at least one identity. */
export function renderX509SvidResponse(update: WorkloadUpdate, bundle: SpiffeBundle): X509SVIDResponse {
  const own = rootsDer(bundle);
  const federated: Record<string, Buffer> = {};
  for (const [td, fb] of update.federatedBundles) federated[trustDomainKey(td)] = rootsDer(fb);
  return {
    svids: update.identities.map(({ entry, svid }) => ({
      spiffe_id: entry.spiffeId,
      x509_svid: svid.chainDer,
      x509_svid_key: svid.privateKeyDer,
      bundle: own,
      hint: entry.hint,
    })),
    crl: [],
    federated_bundles: federated,
  };
}

function sameSvidResponse(a: X509SVIDResponse, b: X509SVIDResponse): boolean {
  const as = a.svids ?? [];
  const bs = b.svids ?? [];
  return (
    as.length === bs.length &&
    as.every(
      (s, i) =>
        s.spiffe_id === bs[i].spiffe_id &&
        s.x509_svid === bs[i].x509_svid &&
        s.bundle === bs[i].bundle &&
        s.hint === bs[i].hint,
    ) &&
    sameBundleMap(
      (a.federated_bundles ?? {}) as Record<string, Buffer>,
      (b.federated_bundles ?? {}) as Record<string, Buffer>,
    )
  );
}

/**
 * FetchX509SVID steps: UNAVAILABLE before the first sync, PERMISSION_DENIED when no entry matches (also
 * mid-stream), wait while matching entries have no SVID yet, otherwise the complete response on every change.
 */
export function x509SvidSteps(
  logger: PluginLogger,
  caller: AttestedCaller,
  trail?: WorkloadTrail,
): StepFunction<X509SVIDResponse> {
  const send = dedupe(
    (update: WorkloadUpdate) => renderX509SvidResponse(update, update.bundle!),
    sameSvidResponse,
  );
  return (update): StreamStep<X509SVIDResponse> => {
    if (!update.bundle) return { kind: 'end', error: notReady() };
    if (update.entries.length === 0) return { kind: 'end', error: noIdentity(logger, caller) };
    if (update.identities.length === 0) return { kind: 'wait' };
    const step = send(update);
    if (step.kind === 'send') trail?.x509Sent(caller.connection, caller.selectors, update.identities);
    return step;
  };
}

/** FetchX509SVID: the caller's X.509-SVIDs with keys and bundles, re-sent on every rotation. */
export function fetchX509SvidHandler(deps: WorkloadHandlerDeps): SpiffeWorkloadAPIHandlers['FetchX509SVID'] {
  return streamHandler(deps, (caller) => x509SvidSteps(deps.logger, caller, deps.trail));
}
