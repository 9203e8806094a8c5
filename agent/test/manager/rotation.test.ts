import { makeTrustDomain } from '../workload-fixtures';
import {
  AVAILABILITY_GRACE_THRESHOLD_MS,
  RotationStrategy,
  createSvidMaterial,
} from '../../src/manager/cache';

const HOUR = 3600_000;
const MINUTE = 60_000;
const validity = (lifetimeMs: number) => ({ issuedAt: new Date(0), expiresAt: new Date(lifetimeMs) });

test('without a target, renewal is at 90-100 % of the half-life', () => {
  const v = validity(1000);
  expect(new RotationStrategy(undefined, () => 0).renewAt(v).getTime()).toBe(500);
  expect(new RotationStrategy(undefined, () => 0.999).renewAt(v).getTime()).toBeCloseTo(450, 0);
  expect(RotationStrategy.HALF_LIFE.isDue(v, new Date(499))).toBe(false);
  expect(RotationStrategy.HALF_LIFE.isDue(v, new Date(500))).toBe(true);
});

test('a target longer than half the lifetime moves renewal to where that much validity remains, plus jitter', () => {
  const v = validity(40 * HOUR);
  const none = new RotationStrategy(24 * HOUR, () => 0);
  expect(none.renewAt(v).getTime()).toBe(16 * HOUR);
  const most = new RotationStrategy(24 * HOUR, () => 0.5);
  expect(most.renewAt(v).getTime()).toBe(16 * HOUR - 5 * MINUTE);
  expect(none.isDue(v, new Date(16 * HOUR - 1))).toBe(false);
  expect(none.isDue(v, new Date(16 * HOUR))).toBe(true);
  expect(none.fallsBackToHalfLife(v)).toBe(false);
});

test('a target shorter than half the lifetime leaves renewal at half-life', () => {
  const v = validity(72 * HOUR);
  const strategy = new RotationStrategy(24 * HOUR, () => 0);
  expect(strategy.renewAt(v).getTime()).toBe(36 * HOUR);
  expect(strategy.isDue(v, new Date(36 * HOUR - 1))).toBe(false);
});

test('a grace period of 12 h or less falls back to half-life rotation', () => {
  const strategy = new RotationStrategy(24 * HOUR, () => 0);
  const tooShort = validity(24 * HOUR + AVAILABILITY_GRACE_THRESHOLD_MS);
  expect(strategy.fallsBackToHalfLife(tooShort)).toBe(true);
  expect(strategy.renewAt(tooShort).getTime()).toBe(18 * HOUR);
  expect(strategy.fallsBackToHalfLife(validity(24 * HOUR + AVAILABILITY_GRACE_THRESHOLD_MS + 1))).toBe(false);
  expect(strategy.fallsBackToHalfLife(validity(HOUR))).toBe(true);
  expect(RotationStrategy.HALF_LIFE.fallsBackToHalfLife(validity(HOUR))).toBe(false);
});

test('createSvidMaterial takes renewAt from the strategy it is given, on a real certificate', () => {
  const td = makeTrustDomain('example.org');
  const issued = td.ca.issueX509Svid({ spiffeId: 'spiffe://example.org/app', ttlSeconds: 40 * 3600 });
  const svid = createSvidMaterial({
    certChainDer: issued.certificates.map((c) => c.der),
    privateKey: issued.privateKey,
    entryRevision: 1,
    rotation: new RotationStrategy(24 * HOUR, () => 0),
  });
  expect(svid.renewAt.getTime()).toBe(svid.expiresAt.getTime() - 24 * HOUR);
  expect(svid.renewAt.getTime()).toBeLessThan(
    svid.issuedAt.getTime() + (svid.expiresAt.getTime() - svid.issuedAt.getTime()) * 0.45,
  );
});
