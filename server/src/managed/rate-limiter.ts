import { ResourceExhaustedError } from '@lanyard/base';
import { PerIpLimiter } from '../api/rate-limit/per-ip-limiter';

/** A refusal carrying how long to wait (the `Retry-After` header). */
export class ManagedRateLimitError extends ResourceExhaustedError {
  constructor(
    principal: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`rate limit exceeded for caller ${principal}`, 'ERR_MANAGED_RATE_LIMIT');
  }
}

/**
 * Requests per minute per verified caller identity (role ARN, service-account email, tenant/principal), with a
 * burst of the same size. Buckets of callers not seen for two minutes are forgotten (the per-IP limiter's
 * generations), so memory follows the active callers.
 */
export class ManagedRateLimiter {
  private readonly buckets: PerIpLimiter;

  constructor(
    private readonly requestsPerMinute: number,
    now: () => number,
  ) {
    this.buckets = new PerIpLimiter(requestsPerMinute / 60, now, requestsPerMinute);
  }

  /** Takes one request from `principal`'s bucket. @throws ManagedRateLimitError when it is empty. */
  take(principal: string): void {
    const bucket = this.buckets.bucketFor(principal);
    try {
      bucket.reserve(1, 0);
    } catch {
      throw new ManagedRateLimitError(principal, Math.max(1, Math.ceil(60 / this.requestsPerMinute)));
    }
  }
}
