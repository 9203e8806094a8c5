import { TokenBucket } from './token-bucket';

/** How often idle per-IP buckets are forgotten (SPIRE: keys unused for two GC intervals of a minute). */
const GC_INTERVAL_MS = 60_000;

/**
 * One {@link TokenBucket} per client IP, each allowing `limitPerSecond` calls per second with a burst of the
 * same size (SPIRE's `PerIPLimit`). Buckets of IPs not seen for two GC intervals are dropped (two
 * generations, as SPIRE's `PerKeyLimiter`), so the map stays bounded by the recently active clients.
 */
export class PerIpLimiter {
  private current = new Map<string, TokenBucket>();
  private previous = new Map<string, TokenBucket>();
  private lastGc: number;

  /** @param burst - bucket size; `limitPerSecond` by default (SPIRE's per-IP limits). */
  constructor(
    readonly limitPerSecond: number,
    private readonly now: () => number,
    private readonly burst = limitPerSecond,
  ) {
    this.lastGc = now();
  }

  /** The bucket of `ip`, made on first use. */
  bucketFor(ip: string): TokenBucket {
    this.collect();
    let bucket = this.current.get(ip);
    if (bucket !== undefined) return bucket;
    bucket = this.previous.get(ip) ?? new TokenBucket(this.limitPerSecond, this.burst, this.now);
    this.current.set(ip, bucket);
    return bucket;
  }

  /** Number of IPs with a live bucket (bounded memory check). */
  get size(): number {
    return new Set([...this.current.keys(), ...this.previous.keys()]).size;
  }

  private collect(): void {
    const now = this.now();
    if (now - this.lastGc < GC_INTERVAL_MS) return;
    this.previous = this.current;
    this.current = new Map();
    this.lastGc = now;
  }
}
