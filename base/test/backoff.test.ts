import { Backoff } from '@lanyard/base';

describe('Backoff', () => {
  it('grows exponentially up to its cap and starts over after reset', () => {
    const b = new Backoff({ initialDelayMs: 1000, maxDelayMs: 5000 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(b.attempts).toBe(5);
    b.reset();
    expect(b.attempts).toBe(0);
    expect(b.next()).toBe(1000);
  });

  it('keeps a constant delay with multiplier 1', () => {
    const b = new Backoff({ initialDelayMs: 50, multiplier: 1 });
    expect([b.next(), b.next(), b.next()]).toEqual([50, 50, 50]);
  });

  it('caps even the first delay at the maximum', () => {
    expect(new Backoff({ initialDelayMs: 10_000, maxDelayMs: 3000 }).next()).toBe(3000);
  });

  it('defaults to 1 s doubling up to 30 s', () => {
    const b = new Backoff();
    const delays = Array.from({ length: 7 }, () => b.next());
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  });

  it('spreads each delay by the jitter factor using the injected randomness', () => {
    const low = new Backoff({ initialDelayMs: 1000, jitter: 0.5, random: () => 0 });
    const high = new Backoff({ initialDelayMs: 1000, jitter: 0.5, random: () => 0.999999 });
    const mid = new Backoff({ initialDelayMs: 1000, jitter: 0.5, random: () => 0.5 });
    expect([low.next(), low.next()]).toEqual([500, 1000]);
    expect([high.next(), high.next()]).toEqual([1500, 3000]);
    expect(mid.next()).toBe(1000);
  });

  it('clamps nonsensical options instead of looping on zero delays', () => {
    const b = new Backoff({ initialDelayMs: 0, maxDelayMs: -5, multiplier: 0.5, jitter: 7, random: () => 0 });
    expect([b.next(), b.next()]).toEqual([0, 0]);
    const plain = new Backoff({ initialDelayMs: -1, multiplier: 0 });
    expect([plain.next(), plain.next()]).toEqual([1, 1]);
  });
});
