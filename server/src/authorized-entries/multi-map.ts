/**
 * Map from a key to a set of values that keeps a key's lone value without a `Set` around it: most keys of the
 * authorized-entry index (SPIFFE IDs, many parent IDs) have exactly one value, and a one-element `Set` costs
 * more than the value's own reference. Values must not themselves be `Set`s.
 */
export class MultiMap<K, V extends object> {
  private readonly map = new Map<K, V | Set<V>>();

  /** Number of keys holding at least one value. */
  get keyCount(): number {
    return this.map.size;
  }

  /** Adds `value` under `key` (no-op when already there). */
  add(key: K, value: V): void {
    const held = this.map.get(key);
    if (held === undefined) this.map.set(key, value);
    else if (held instanceof Set) held.add(value);
    else if (held !== value) this.map.set(key, new Set([held, value]));
  }

  /** Removes `value` from `key`; a key left empty is forgotten. */
  delete(key: K, value: V): void {
    const held = this.map.get(key);
    if (held === undefined) return;
    if (!(held instanceof Set)) {
      if (held === value) this.map.delete(key);
      return;
    }
    held.delete(value);
    if (held.size === 1) this.map.set(key, held.values().next().value as V);
  }

  /** The values under `key` (empty when none). */
  get(key: K): Iterable<V> {
    const held = this.map.get(key);
    if (held === undefined) return [];
    return held instanceof Set ? held : [held];
  }

  /** Number of values under `key`. */
  count(key: K): number {
    const held = this.map.get(key);
    if (held === undefined) return 0;
    return held instanceof Set ? held.size : 1;
  }
}
