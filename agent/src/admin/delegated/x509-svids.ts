import type { SubscribeToX509SVIDsResponse } from '@lanyard/proto';
import { SpiffeId } from '@lanyard/spiffe';
import type { WorkloadUpdate } from '../../manager/cache';
import { trustDomainKey } from '../../workload/bundles';
import { notReady } from '../../workload/status';
import { dedupe, type StepFunction, type StreamStep } from '../../workload/stream';

/** `spire.api.types.SPIFFEID` of a SPIFFE ID string. */
export function wireSpiffeId(id: string): { trust_domain: string; path: string } {
  const parsed = SpiffeId.parse(id);
  return { trust_domain: parsed.trustDomain.name, path: parsed.path };
}

/**
 * The response for a view: every identity except admin and downstream entries (SPIRE never hands those to a
 * delegate), with chain, PKCS#8 key, expiry and hint; `federates_with` lists the federated trust domains of
 * the matching entries as sorted `spiffe://` IDs.
 */
export function renderDelegatedX509(update: WorkloadUpdate): SubscribeToX509SVIDsResponse {
  return {
    x509_svids: update.identities
      .filter(({ entry }) => !entry.admin && !entry.downstream)
      .map(({ entry, svid }) => ({
        x509_svid: {
          id: wireSpiffeId(entry.spiffeId),
          cert_chain: [...svid.certChainDer],
          expires_at: Math.floor(svid.expiresAt.getTime() / 1000),
          hint: entry.hint,
        },
        x509_svid_key: svid.privateKeyDer,
      })),
    federates_with: [...update.federatedBundles.keys()].map(trustDomainKey).sort(),
  };
}

function sameResponse(a: SubscribeToX509SVIDsResponse, b: SubscribeToX509SVIDsResponse): boolean {
  const as = a.x509_svids ?? [];
  const bs = b.x509_svids ?? [];
  return (
    as.length === bs.length &&
    as.every(
      (s, i) =>
        s.x509_svid_key === bs[i].x509_svid_key &&
        s.x509_svid?.hint === bs[i].x509_svid?.hint &&
        s.x509_svid?.id?.path === bs[i].x509_svid?.id?.path &&
        s.x509_svid?.id?.trust_domain === bs[i].x509_svid?.id?.trust_domain,
    ) &&
    (a.federates_with ?? []).join('\n') === (b.federates_with ?? []).join('\n')
  );
}

/**
 * SubscribeToX509SVIDs steps: the delegate is re-checked on every update (`recheck` throws when it lost its
 * authorization); UNAVAILABLE before the first sync; wait while the matching entries have no SVID yet;
 * otherwise the complete response whenever it changed. Selectors matching no entry get an empty list, and the
 * stream stays open, as in SPIRE.
 */
export function delegatedX509Steps(recheck: () => void): StepFunction<SubscribeToX509SVIDsResponse> {
  const send = dedupe(renderDelegatedX509, sameResponse);
  return (update): StreamStep<SubscribeToX509SVIDsResponse> => {
    recheck();
    if (!update.bundle) return { kind: 'end', error: notReady() };
    if (update.entries.length > 0 && update.identities.length === 0) return { kind: 'wait' };
    return send(update);
  };
}
