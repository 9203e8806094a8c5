import type { TrailRecorder } from '@lanyard/common';
import type { CaEvent, ServerCaApi } from '../ca/types';
import { TrustDomain } from '@lanyard/spiffe/id';

const EVENTS: Partial<Record<CaEvent['type'], { event: 'ca_prepared' | 'ca_activated'; kind: string }>> = {
  'x509-authority-prepared': { event: 'ca_prepared', kind: 'x509' },
  'jwt-authority-prepared': { event: 'ca_prepared', kind: 'jwt' },
  'x509-authority-activated': { event: 'ca_activated', kind: 'x509' },
  'jwt-authority-activated': { event: 'ca_activated', kind: 'jwt' },
};

/**
 * Records the CA's own authority changes in the trail: scheduled preparation and every activation (scheduled
 * or through the LocalAuthority API), keyed by the trust domain's ID.
 */
export function recordCaEvents(
  ca: Pick<ServerCaApi, 'onEvent'>,
  trustDomain: string,
  trail: TrailRecorder,
): void {
  ca.onEvent((event) => {
    const mapped = EVENTS[event.type];
    if (mapped === undefined || event.type === 'bundle-changed') return;
    trail.record({
      event: mapped.event,
      spiffe_id: TrustDomain.parse(trustDomain).idString(),
      authority_kind: mapped.kind,
      authority_id: event.authority.authorityId,
      expires_at: event.authority.expiresAt,
      scheduled: true,
    });
  });
}
