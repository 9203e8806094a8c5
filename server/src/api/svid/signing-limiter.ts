/**
 * The global bound on X509-SVID signing for agents (BatchNewX509SVID): at most `maxConcurrent` batches are being
 * signed at a time, at most `maxQueued` more wait their turn in arrival order, and any request beyond that is
 * refused at once with ResourceExhausted, so that a crowd of agents reconnecting together meets a quick,
 * retryable refusal (the agent backs off with jitter) instead of an ever-growing queue that times every call out.
 * Signing is CPU work: on the signing worker threads, or on the event loop, where a batch yields between runs of items so
 * health checks, syncs and admin calls are served while thousands of CSRs wait.
 */
import { ResourceExhaustedError } from '@lanyard/base';

/** Limits of the signing queue (`svid_signing_concurrency`, `svid_signing_queue`). */
export interface SigningLimits {
  /** Batches signed at the same time (≥ 1). */
  readonly maxConcurrent: number;
  /** Batches that may wait for a slot (≥ 0); one more is refused with ResourceExhausted. */
  readonly maxQueued: number;
}

/** Defaults: two batches at a time (the box has few cores and signing is single-threaded), 1,024 waiting. */
export const DEFAULT_SIGNING_LIMITS: SigningLimits = { maxConcurrent: 2, maxQueued: 1024 };

/** Counters of a {@link SigningLimiter}, for tests, metrics and logs. */
export interface SigningLimiterStats {
  readonly active: number;
  readonly queued: number;
  /** Highest number of batches that were being signed at once. */
  readonly peakActive: number;
  /** Requests refused because the queue was full. */
  readonly rejected: number;
}

/** A counting semaphore with a bounded FIFO queue. */
export class SigningLimiter {
  private active = 0;
  private peakActive = 0;
  private rejected = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limits: SigningLimits = DEFAULT_SIGNING_LIMITS) {
    if (!Number.isInteger(limits.maxConcurrent) || limits.maxConcurrent < 1)
      throw new RangeError(`svid_signing_concurrency must be an integer ≥ 1, got ${limits.maxConcurrent}`);
    if (!Number.isInteger(limits.maxQueued) || limits.maxQueued < 0)
      throw new RangeError(`svid_signing_queue must be an integer ≥ 0, got ${limits.maxQueued}`);
  }

  /** Current counters. */
  stats(): SigningLimiterStats {
    const { active, peakActive, rejected } = this;
    return { active, queued: this.waiting.length, peakActive, rejected };
  }

  /**
   * Runs `work` once a slot is free and releases the slot when it settles.
   * @throws ResourceExhaustedError, without running `work`, when every slot is busy and the queue is full.
   */
  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.limits.maxConcurrent) {
      this.enter();
      return Promise.resolve();
    }
    if (this.waiting.length >= this.limits.maxQueued) {
      this.rejected += 1;
      return Promise.reject(
        new ResourceExhaustedError(
          `server is busy signing SVIDs: ${this.active} batches in progress and ${this.waiting.length} queued ` +
            `(svid_signing_queue = ${this.limits.maxQueued}); retry later`,
          'ERR_SIGNING_QUEUE_FULL',
        ),
      );
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private enter(): void {
    this.active += 1;
    this.peakActive = Math.max(this.peakActive, this.active);
  }

  private release(): void {
    this.active -= 1;
    const next = this.waiting.shift();
    if (next) {
      this.enter();
      next();
    }
  }
}
