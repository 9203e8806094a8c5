/** Exponential backoff: base, 2×base, 4×base, … capped at `maxMs`; `reset()` after a success. */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number = Math.max(baseMs, 60_000),
  ) {}

  /** Delay before the next attempt after a success. */
  get interval(): number {
    return this.baseMs;
  }

  /** Records a failure and returns the delay before the next attempt. */
  fail(): number {
    this.failures = Math.min(this.failures + 1, 30);
    return Math.min(this.baseMs * 2 ** this.failures, this.maxMs);
  }

  /** Clears the failure count. */
  reset(): void {
    this.failures = 0;
  }

  /** Consecutive failures so far. */
  get failureCount(): number {
    return this.failures;
  }
}
