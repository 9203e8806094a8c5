import { ResourceExhaustedError, StatusCode } from '@lanyard/base';
import { SigningLimiter } from '../../src/api/svid/signing-limiter';

/** A piece of work that finishes only when the test says so. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

test('runs at most maxConcurrent at a time, queues in arrival order, refuses beyond the queue', async () => {
  const limiter = new SigningLimiter({ maxConcurrent: 2, maxQueued: 2 });
  const gates = [gate(), gate(), gate(), gate()];
  const started: number[] = [];
  const runs = gates.map((g, i) =>
    limiter.run(async () => {
      started.push(i);
      await g.promise;
      return i;
    }),
  );
  await new Promise((resolve) => setImmediate(resolve));
  expect(started).toEqual([0, 1]);
  expect(limiter.stats()).toMatchObject({ active: 2, queued: 2 });

  const refused = limiter.run(async () => 'never');
  await expect(refused).rejects.toBeInstanceOf(ResourceExhaustedError);
  await expect(refused).rejects.toMatchObject({
    grpcStatus: StatusCode.RESOURCE_EXHAUSTED,
    message: expect.stringContaining('svid_signing_queue = 2'),
  });

  gates[1].open();
  await runs[1];
  expect(started).toEqual([0, 1, 2]);
  for (const g of gates) g.open();
  expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
  expect(limiter.stats()).toEqual({ active: 0, queued: 0, peakActive: 2, rejected: 1 });
});

test('a failing batch releases its slot', async () => {
  const limiter = new SigningLimiter({ maxConcurrent: 1, maxQueued: 0 });
  await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  await expect(limiter.run(async () => 'ok')).resolves.toBe('ok');
  expect(limiter.stats().active).toBe(0);
});

test('rejects limits that are not positive integers, naming the key', () => {
  expect(() => new SigningLimiter({ maxConcurrent: 0, maxQueued: 1 })).toThrow(/svid_signing_concurrency/);
  expect(() => new SigningLimiter({ maxConcurrent: 1, maxQueued: -1 })).toThrow(/svid_signing_queue/);
});
