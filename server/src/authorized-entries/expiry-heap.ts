import type { RegistrationEntry } from '../datastore/types';

/**
 * Entries with an `expiresAt`, earliest first (a binary min-heap): {@link takeExpired} hands out each entry once
 * its time has passed, in O(log n) per entry. A replaced or removed entry stays in the heap until its time comes
 * and is then skipped (`isCurrent`), so updates cost nothing here.
 */
export class ExpiryHeap {
  private readonly heap: RegistrationEntry[] = [];

  /** Tracks `entry` if it expires. */
  add(entry: RegistrationEntry): void {
    if (entry.expiresAt === 0) return;
    const heap = this.heap;
    heap.push(entry);
    for (let i = heap.length - 1; i > 0;) {
      const up = (i - 1) >> 1;
      if (heap[up].expiresAt <= heap[i].expiresAt) break;
      [heap[up], heap[i]] = [heap[i], heap[up]];
      i = up;
    }
  }

  /** Removes and returns the entries that expired before unix second `now` and are still current. */
  takeExpired(now: number, isCurrent: (entry: RegistrationEntry) => boolean): RegistrationEntry[] {
    const expired: RegistrationEntry[] = [];
    while (this.heap.length > 0 && this.heap[0].expiresAt < now) {
      const top = this.pop();
      if (isCurrent(top)) expired.push(top);
    }
    return expired;
  }

  private pop(): RegistrationEntry {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop() as RegistrationEntry;
    if (heap.length === 0) return top;
    heap[0] = last;
    for (let i = 0; ;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && heap[left].expiresAt < heap[least].expiresAt) least = left;
      if (right < heap.length && heap[right].expiresAt < heap[least].expiresAt) least = right;
      if (least === i) return top;
      [heap[least], heap[i]] = [heap[i], heap[least]];
      i = least;
    }
  }
}
