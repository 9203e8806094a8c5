import { ResourceExhaustedError } from '@lanyard/base';

/**
 * A token bucket with Go's `golang.org/x/time/rate` semantics, as SPIRE uses it: `ratePerSecond` tokens are
 * added per second up to `burst`, the bucket starts full, and a caller reserves `count` tokens and then waits
 * until they are due. Reserving more than `burst`, or a wait that would outlast the caller's deadline, fails
 * with ResourceExhausted and reserves nothing.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst;
    this.updatedAt = now();
  }

  /**
   * Reserves `count` tokens; returns how many milliseconds the caller must wait before going ahead.
   * @param maxWaitMs How long the caller can wait (time left before its deadline); undefined = no deadline.
   * @throws ResourceExhaustedError when `count` exceeds the burst or the wait would be longer than `maxWaitMs`.
   */
  reserve(count: number, maxWaitMs?: number): number {
    if (count > this.burst) {
      throw new ResourceExhaustedError(
        `rate (${count}) exceeds burst size (${this.burst})`,
        'ERR_RATE_LIMIT_BURST',
      );
    }
    const now = this.now();
    this.refill(now);
    const waitMs = this.tokens >= count ? 0 : ((count - this.tokens) / this.ratePerSecond) * 1000;
    if (maxWaitMs !== undefined && waitMs > maxWaitMs) {
      throw new ResourceExhaustedError(
        `rate: Wait(n=${count}) would exceed context deadline`,
        'ERR_RATE_LIMIT_DEADLINE',
      );
    }
    this.tokens -= count;
    return waitMs;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.ratePerSecond);
    this.updatedAt = now;
  }
}
