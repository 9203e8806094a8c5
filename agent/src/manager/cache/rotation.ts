/**
 * When the agent renews an X.509-SVID (its own and workloads'), as SPIRE's `availability_target` defines it: by
 * default at half-life; with a target, as soon as the remaining validity drops to the target (plus up to 10
 * minutes of jitter) if that comes before half-life. A target that would leave a grace period (lifetime minus
 * target) of 12 hours or less cannot be guaranteed, and the SVID falls back to half-life rotation.
 * JWT-SVIDs are not affected.
 */

/** SPIRE's `gracePeriodThreshold`: lifetime − target must exceed this for the target to apply. */
export const AVAILABILITY_GRACE_THRESHOLD_MS = 12 * 3600_000;
/** Upper bound of the random extra validity added to the target, so renewals spread out. */
const TARGET_JITTER_MS = 10 * 60_000;
/** Renewal at half-life is moved earlier by up to this share of the half-life. */
const HALF_LIFE_JITTER = 0.1;

/** The validity of one X.509-SVID. */
export interface SvidValidity {
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

/** Renewal times of X.509-SVIDs under an optional `availability_target`. */
export class RotationStrategy {
  /** Half-life rotation only (no `availability_target`). */
  static readonly HALF_LIFE = new RotationStrategy(undefined);

  /**
   * @param availabilityTargetMs `availability_target`; undefined or 0 = half-life rotation only.
   * @param random source of jitter in [0, 1); tests pass a fixed one.
   */
  constructor(
    readonly availabilityTargetMs: number | undefined,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * True when the target is set but an SVID of this lifetime cannot meet it (grace period ≤ 12 h), so it is
   * renewed at half-life instead; SPIRE warns about each such SVID.
   */
  fallsBackToHalfLife(validity: SvidValidity): boolean {
    const target = this.availabilityTargetMs ?? 0;
    return target > 0 && lifetimeMs(validity) - target <= AVAILABILITY_GRACE_THRESHOLD_MS;
  }

  /**
   * When a freshly issued SVID should be renewed, jittered: the later of the jittered half-life point and the
   * point where the remaining validity reaches the jittered target.
   */
  renewAt(validity: SvidValidity): Date {
    const start = validity.issuedAt.getTime();
    const halfLife = lifetimeMs(validity) / 2;
    const byHalfLife = start + halfLife * (1 - HALF_LIFE_JITTER * this.random());
    if (!this.targetApplies(validity)) return new Date(byHalfLife);
    const target = (this.availabilityTargetMs as number) + TARGET_JITTER_MS * this.random();
    return new Date(Math.min(byHalfLife, validity.expiresAt.getTime() - target));
  }

  /**
   * True once `now` is at or past the (unjittered) renewal point: the middle of the validity, or the point
   * where the remaining validity equals the target when that comes first. Used for the agent's own SVID.
   */
  isDue(validity: SvidValidity, now: Date): boolean {
    const halfLifePoint = validity.issuedAt.getTime() + lifetimeMs(validity) / 2;
    const due = this.targetApplies(validity)
      ? Math.min(halfLifePoint, validity.expiresAt.getTime() - (this.availabilityTargetMs as number))
      : halfLifePoint;
    return now.getTime() >= due;
  }

  private targetApplies(validity: SvidValidity): boolean {
    return (this.availabilityTargetMs ?? 0) > 0 && !this.fallsBackToHalfLife(validity);
  }
}

function lifetimeMs(validity: SvidValidity): number {
  return validity.expiresAt.getTime() - validity.issuedAt.getTime();
}
