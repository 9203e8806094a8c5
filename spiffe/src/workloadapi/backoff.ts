/** Reconnect delays of Workload API watches. */
export interface BackoffOptions {
  /** First delay after a stream is lost, in ms (default 1000). */
  readonly initialDelayMs?: number;
  /** Upper bound of the delay, in ms (default 30000, as go-spiffe). */
  readonly maxDelayMs?: number;
  /** Factor applied after each failed attempt (default 2: exponential; 1 keeps the delay constant). */
  readonly multiplier?: number;
}

/**
 * Exponential backoff: `initial`, `initial·m`, `initial·m²`, … capped at `max`; {@link reset} after every
 * received message, so a healthy stream that later breaks reconnects quickly again.
 */
export class Backoff {
  private readonly initial: number;
  private readonly max: number;
  private readonly multiplier: number;
  private current: number;

  constructor(options: BackoffOptions = {}) {
    this.initial = Math.max(1, options.initialDelayMs ?? 1000);
    this.max = Math.max(this.initial, options.maxDelayMs ?? 30_000);
    this.multiplier = Math.max(1, options.multiplier ?? 2);
    this.current = this.initial;
  }

  /** The delay to wait now; advances the sequence. */
  next(): number {
    const delay = this.current;
    this.current = Math.min(this.max, this.current * this.multiplier);
    return delay;
  }

  /** Starts the sequence over from the initial delay. */
  reset(): void {
    this.current = this.initial;
  }
}
