/**
 * SPIRE's CA manager metrics: `ca_manager_x509_ca_prepare` / `ca_manager_jwt_key_prepare` (scheduled
 * preparations, status OK), `ca_manager_x509_ca_activate` and `manager_jwt_key_activate` counters, the
 * `manager_x509_ca_rotate_expiration` (Unix seconds) and `manager_x509_ca_rotate_ttl` (seconds left) gauges
 * of the active X.509 CA labelled `trust_domain_id`, and `server_ca_sign_<x509_svid|jwt_svid|x509_ca_svid>`.
 */
import type { Metrics } from '@lanyard/common';
import type { CaEvent, ServerCaApi, SignedKind } from '../ca';

/** Counts one signature (pass as the CA's `onSigned` option). */
export function countSignature(metrics: Metrics): (kind: SignedKind) => void {
  return (kind) => metrics.incrCounter(['server_ca', 'sign', kind]);
}

/** Sets the rotation gauges from the active X.509 CA. */
function setRotateGauges(metrics: Metrics, ca: ServerCaApi, trustDomain: string, nowMs: number): void {
  const active = ca.getX509AuthorityState().active;
  if (!active) return;
  const labels = { trust_domain_id: trustDomain };
  metrics.setGauge(['manager', 'x509_ca', 'rotate', 'expiration'], active.expiresAt, labels);
  metrics.setGauge(['manager', 'x509_ca', 'rotate', 'ttl'], active.expiresAt - nowMs / 1000, labels);
}

/** Records the CA's rotation events in `metrics`; returns the unsubscribe function. */
export function recordCaMetrics(
  ca: ServerCaApi,
  metrics: Metrics,
  trustDomain: string,
  now: () => number,
): () => void {
  setRotateGauges(metrics, ca, trustDomain, now());
  return ca.onEvent((event: CaEvent) => {
    switch (event.type) {
      case 'x509-authority-prepared':
        metrics.incrCounter(['ca', 'manager', 'x509_ca', 'prepare'], { status: 'OK' });
        break;
      case 'jwt-authority-prepared':
        metrics.incrCounter(['ca', 'manager', 'jwt_key', 'prepare'], { status: 'OK' });
        break;
      case 'x509-authority-activated':
        metrics.incrCounter(['ca', 'manager', 'x509_ca', 'activate']);
        setRotateGauges(metrics, ca, trustDomain, now());
        break;
      case 'jwt-authority-activated':
        metrics.incrCounter(['manager', 'jwt_key', 'activate']);
        break;
      case 'bundle-changed':
        break;
    }
  });
}
