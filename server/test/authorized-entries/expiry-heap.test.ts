import { ExpiryHeap } from '../../src/authorized-entries/expiry-heap';
import type { RegistrationEntry } from '../../src/datastore';

const entry = (id: string, expiresAt: number) => ({ id, expiresAt }) as RegistrationEntry;

describe('ExpiryHeap', () => {
  it('hands out every expiring entry once its second has passed, earliest first, skipping replaced ones', () => {
    const heap = new ExpiryHeap();
    const current = new Map<string, RegistrationEntry>();
    let seed = 7;
    for (let i = 0; i < 500; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const e = entry(`e${i % 400}`, seed % 1000);
      current.set(e.id, e);
      heap.add(e);
    }
    const taken: RegistrationEntry[] = [];
    for (let now = 0; now <= 1000; now += 37) {
      const batch = heap.takeExpired(now, (e) => current.get(e.id) === e);
      expect(batch.every((e) => e.expiresAt < now)).toBe(true);
      taken.push(...batch);
    }
    const expected = [...current.values()].filter((e) => e.expiresAt !== 0);
    expect(taken.map((e) => e.id).sort()).toEqual(expected.map((e) => e.id).sort());
    const order = taken.map((e) => e.expiresAt);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });
});
