/** Distinct strings an interner keeps by default: the repeating values of a large store, in a table small enough to stay in cache. */
const DEFAULT_CAPACITY = 16_384;

/**
 * Hands out one shared copy of equal strings, so values that repeat across many rows (parent IDs, selector
 * types) are stored once instead of once per row. Once `capacity` distinct strings are held, new ones are
 * returned as given (unique values, such as per-workload selector values, would otherwise fill the table).
 */
export class StringInterner {
  private readonly seen = new Map<string, string>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** The shared copy of `value` (the first one seen), or `value` itself. */
  of(value: string): string {
    const shared = this.seen.get(value);
    if (shared !== undefined) return shared;
    if (this.seen.size < this.capacity) this.seen.set(value, value);
    return value;
  }

  /** Distinct strings held. */
  get size(): number {
    return this.seen.size;
  }
}
