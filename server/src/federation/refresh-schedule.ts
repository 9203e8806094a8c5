/** When to fetch a federated bundle next: a quarter of its refresh hint (retries use `Backoff` from `@lanyard/base`). */

/** Refresh hint assumed when a bundle has none (SPIFFE Federation suggests about five minutes). */
export const DEFAULT_REFRESH_HINT_SECONDS = 300;

/** Attempts per refresh hint, so one failed fetch never lets a rotation wait longer than the hint (as SPIRE). */
const ATTEMPTS_PER_HINT = 4;

/** Bounds of the schedule. */
export interface RefreshBounds {
  /** Shortest interval between successful fetches. */
  minIntervalMs: number;
  /** Longest interval between fetches. */
  maxIntervalMs: number;
  /** First retry delay after a failure; doubles per consecutive failure (±20 % jitter) up to the normal interval. */
  firstRetryMs: number;
}

/** Default bounds: every 1 s at most, every hour at least, first retry after 1 s. */
export const DEFAULT_REFRESH_BOUNDS: RefreshBounds = {
  minIntervalMs: 1000,
  maxIntervalMs: 3_600_000,
  firstRetryMs: 1000,
};

/** The interval after a successful fetch of a bundle with this refresh hint (seconds; 0/undefined = default). */
export function refreshIntervalMs(refreshHintSeconds: number | undefined, bounds: RefreshBounds): number {
  const hintMs = (refreshHintSeconds || DEFAULT_REFRESH_HINT_SECONDS) * 1000;
  return Math.min(bounds.maxIntervalMs, Math.max(bounds.minIntervalMs, hintMs / ATTEMPTS_PER_HINT));
}
