/** When the managed source refreshes: X.509-SVIDs at half-life (as the agent does), bundles at their hint. */
import type { SpiffeBundle } from '../bundle';
import type { X509Svid } from '../x509';

/** Default bundle refresh when the document carries no `spiffe_refresh_hint` (seconds). */
const DEFAULT_BUNDLE_REFRESH_S = 300;
/** Bounds of a bundle refresh interval, whatever the hint says (seconds). */
const MIN_BUNDLE_REFRESH_S = 10;
const MAX_BUNDLE_REFRESH_S = 3600;

/** Ms from `now` until half of the shortest-lived SVID's validity has passed (0 if already past). */
export function x509HalfLifeDelay(svids: readonly X509Svid[], now = Date.now()): number {
  const halfLives = svids.map((svid) => {
    const notBefore = new Date(svid.leaf.validFrom).getTime();
    const notAfter = svid.expiresAt.getTime();
    return notBefore + (notAfter - notBefore) / 2;
  });
  return Math.max(0, Math.min(...halfLives) - now);
}

/** Ms until the next bundle fetch: the refresh hint, kept within 10 s … 1 h. */
export function bundleRefreshDelay(bundle: SpiffeBundle): number {
  const hint = bundle.refreshHint ?? DEFAULT_BUNDLE_REFRESH_S;
  return Math.min(MAX_BUNDLE_REFRESH_S, Math.max(MIN_BUNDLE_REFRESH_S, hint)) * 1000;
}
