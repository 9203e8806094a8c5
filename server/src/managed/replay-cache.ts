import { UnavailableError } from '@lanyard/base';

/** Default bound on remembered proofs. */
export const DEFAULT_REPLAY_CACHE_SIZE = 100_000;

/**
 * Remembers single-use proofs (by a key such as the SigV4 signature) until they would be refused as stale anyway.
 * Bounded: expired keys are dropped first, and when the cache is still full new proofs are refused (503) rather
 * than forgetting one that could then be replayed.
 */
export class ReplayCache {
  /** key → time (ms) after which the proof is too old to matter; insertion order ≈ expiry order. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    private readonly maxEntries = DEFAULT_REPLAY_CACHE_SIZE,
  ) {}

  /** Number of remembered proofs. */
  get size(): number {
    return this.seen.size;
  }

  /**
   * Records `key` as used until `expiresAtMs`.
   * @returns false when the key was already used (a replay).
   * @throws UnavailableError when the cache is full of unexpired proofs.
   */
  use(key: string, expiresAtMs: number): boolean {
    const now = this.now();
    const previous = this.seen.get(key);
    if (previous !== undefined && previous > now) return false;
    this.sweep(now);
    if (this.seen.size >= this.maxEntries) {
      throw new UnavailableError(
        'too many recent proofs to remember; try again later',
        'ERR_REPLAY_CACHE_FULL',
      );
    }
    this.seen.delete(key);
    this.seen.set(key, expiresAtMs);
    return true;
  }

  /** Drops expired keys from the oldest end, and scans everything when the cache is full. */
  private sweep(now: number): void {
    for (const [key, expiresAt] of this.seen) {
      if (expiresAt > now) break;
      this.seen.delete(key);
    }
    if (this.seen.size < this.maxEntries) return;
    for (const [key, expiresAt] of this.seen) if (expiresAt <= now) this.seen.delete(key);
  }
}
