/** How a {@link Backoff} grows its delays. */
export interface BackoffOptions {
  /** First delay, in ms (default 1000). */
  readonly initialDelayMs?: number;
  /** Upper bound of every delay, in ms (default 30000, as go-spiffe's Workload API client). */
  readonly maxDelayMs?: number;
  /** Factor applied after each delay (default 2: exponential; 1 keeps the delay constant). */
  readonly multiplier?: number;
  /**
   * Randomisation factor in [0, 1] (default 0): each delay is drawn uniformly from `delay·(1 ± jitter)`, so
   * many clients that failed together do not retry together.
   */
  readonly jitter?: number;
  /** Source of randomness in [0, 1) for the jitter (default `Math.random`); tests inject a fixed one. */
  readonly random?: () => number;
}

/**
 * Exponential backoff: `initial`, `initial·m`, `initial·m²`, … each capped at `max` and then jittered;
 * {@link reset} after a success so that the next failure starts over from the initial delay.
 *
 * @example
 * ```ts
 * const backoff = new Backoff({ initialDelayMs: 500, maxDelayMs: 10_000 });
 * setTimeout(retry, backoff.next()); // 500, 1000, 2000, … 10000
 * ```
 */
export class Backoff {
  private readonly initial: number;
  private readonly max: number;
  private readonly multiplier: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private current: number;
  private count = 0;

  constructor(options: BackoffOptions = {}) {
    this.initial = Math.max(1, options.initialDelayMs ?? 1000);
    this.max = Math.max(1, options.maxDelayMs ?? 30_000);
    this.multiplier = Math.max(1, options.multiplier ?? 2);
    this.jitter = Math.min(1, Math.max(0, options.jitter ?? 0));
    this.random = options.random ?? Math.random;
    this.current = this.initial;
  }

  /** The delay to wait now, in ms; advances the sequence. */
  next(): number {
    const delay = Math.min(this.current, this.max);
    this.current = Math.min(this.max, this.current * this.multiplier);
    this.count++;
    if (this.jitter === 0) return delay;
    return Math.round(delay * (1 - this.jitter + 2 * this.jitter * this.random()));
  }

  /** Starts the sequence over from the initial delay. */
  reset(): void {
    this.current = this.initial;
    this.count = 0;
  }

  /** Delays handed out since the last {@link reset}. */
  get attempts(): number {
    return this.count;
  }
}
