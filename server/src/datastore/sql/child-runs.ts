/** A child-table row: keyed by its owner's internal row ID. */
interface ChildRow {
  entry_seq: number;
}

/** The one (frozen) array handed out for every owner without rows: most entries have no federations. */
const NONE: readonly never[] = Object.freeze([]);

/**
 * Child rows ordered by `entry_seq`, consumed owner by owner in step with entry rows read in the same order (a
 * merge join: no map from row ID to entry). Each owner's values come back in an array of exactly their count; an
 * owner without rows gets one shared frozen empty array (entries of the cache are never mutated in place).
 */
export class ChildRuns<R extends ChildRow> {
  private next = 0;

  constructor(private readonly rows: readonly R[]) {}

  /**
   * The rows of owner `seq`, each mapped by `make`. Rows of lower owners not asked for (an owner deleted
   * between the reads) are skipped.
   */
  take<T>(seq: number, make: (row: R) => T): T[] {
    const rows = this.rows;
    let first = this.next;
    while (first < rows.length && Number((rows[first] as R).entry_seq) < seq) first++;
    let end = first;
    while (end < rows.length && Number((rows[end] as R).entry_seq) === seq) end++;
    this.next = end;
    if (end === first) return NONE as never[];
    const values = new Array<T>(end - first);
    for (let i = first; i < end; i++) values[i - first] = make(rows[i] as R);
    return values;
  }
}
