/**
 * The signing worker pool: real worker threads (the built `server/dist` worker script), real CSRs, real
 * certificates checked with node:crypto and `openssl verify`.
 */
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import {
  der,
  InvalidArgumentError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnavailableError,
} from '@lanyard/base';
import type { PluginLogger } from '@lanyard/attestor-core';
import type { CsrX509SvidParams, ServerCa } from '../../src/ca';
import { encodeName } from '../../src/ca/der/name';
import { createCertSigner } from '../../src/ca/der/signer';
import { spkiOf } from '../../src/ca/der/spki';
import { CsrSigningPool, type LeafOutcome } from '../../src/ca/sign-pool/csr-signing-pool';
import { loadX509Authority, type X509Authority } from '../../src/ca/x509-authority';
import { issueCaCertificate } from '../../src/ca/x509-templates';
import { ManualClock, cleanupDirs, ecKey, makeCsr, openCa, opensslVerify } from './helpers';

const ID = 'spiffe://example.org/workload';
const SETTINGS = { trustDomain: 'example.org', defaultTtlSeconds: 3600 };

/** Records error logs so a test can see what the pool reported. */
function recordingLogger(): PluginLogger & { errors: string[] } {
  const errors: string[] = [];
  const none = (): undefined => undefined;
  return { errors, debug: none, info: none, warn: none, error: (message) => void errors.push(message) };
}

/** A self-signed P-256 CA authority, as the CA hands it to the pool. */
function testAuthority(nowMs: number): X509Authority {
  const key = ecKey().privateKey;
  const certDer = issueCaCertificate(
    { signer: createCertSigner(key) },
    {
      trustDomainId: 'spiffe://example.org',
      spkiDer: spkiOf(key),
      subject: { country: ['US'] },
      ttlMs: 86_400_000,
    },
    nowMs,
  );
  return loadX509Authority(
    { certDer, chainDer: [], rootsDer: [certDer], upstreamAuthoritySubjectKeyId: '' },
    key,
  );
}

/** `count` valid CSRs for {@link ID}. */
function csrBatch(count: number): CsrX509SvidParams[] {
  const key = ecKey();
  return Array.from({ length: count }, () => ({
    csrDer: makeCsr(key, { uris: [ID] }),
    expectedSpiffeId: ID,
  }));
}

/** The TBSCertificate fields of a certificate except the serial (random per certificate). */
function tbsWithoutSerial(certDer: Buffer): Buffer[] {
  const [tbs] = der.children(der.readSingle(certDer, 0x30, 'certificate'), 'certificate');
  return der
    .children(tbs, 'tbs')
    .filter((_, i) => i !== 1)
    .map((node) => node.raw);
}

/** What an error looks like to a caller: class, gRPC status, code and message. */
function describeError(err: unknown): unknown {
  const e = err as InvalidArgumentError;
  return { type: e.constructor.name, status: e.grpcStatus, code: e.code, message: e.message };
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

/** Resolves once `check` holds, polling; fails after a generous deadline. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

afterAll(cleanupDirs);

describe('ServerCa with signing workers', () => {
  const clock = new ManualClock();
  let ca: ServerCa;

  beforeAll(async () => {
    ca = await openCa({ now: clock.now, signingWorkers: 2 });
  });
  afterAll(() => ca.close());

  const mixedBatch = (): CsrX509SvidParams[] => {
    const key = ecKey();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return [
      ...csrBatch(12),
      { csrDer: makeCsr(key, { uris: [ID], dns: ['a.example.org'] }), expectedSpiffeId: ID, ttlSeconds: 60 },
      {
        csrDer: makeCsr(rsa, { uris: [ID] }),
        expectedSpiffeId: ID,
        dnsNames: ['b.example.org', 'c.example.org'],
      },
      { csrDer: makeCsr(ecKey('secp384r1'), { uris: [ID] }), ttlSeconds: 7200 },
      {
        csrDer: makeCsr(key, { uris: [ID], subject: encodeName({ organization: ['Kept'] }) }),
        useCsrSubject: true,
      },
      { csrDer: makeCsr(key, {}), expectedSpiffeId: `${ID}/no-san` },
      { csrDer: makeCsr(key, { uris: [`${ID}/other`] }), expectedSpiffeId: ID },
      { csrDer: makeCsr(key, { uris: [ID], corruptSignature: true }), expectedSpiffeId: ID },
      { csrDer: makeCsr(key, { uris: [ID] }), expectedSpiffeId: ID, dnsNames: ['bad..name'] },
      { csrDer: Buffer.from([0x30, 0x03, 0x02, 0x01]), expectedSpiffeId: ID },
      ...csrBatch(12),
    ];
  };

  it('issues the same certificates and errors as signing on the main thread', async () => {
    const batch = mixedBatch();
    const pooled = await ca.signX509SvidsFromCsrs(batch);
    expect(pooled).toHaveLength(batch.length);
    const roots = ca.bundleContents().x509Authorities.map((cert) => cert.raw);
    const caKey = new X509Certificate(roots[0]).publicKey;
    batch.forEach((params, i) => {
      const outcome = pooled[i];
      let inThread;
      try {
        inThread = { svid: ca.signX509SvidFromCsr(params) };
      } catch (err) {
        inThread = { error: err };
      }
      if ('error' in inThread) {
        expect('error' in outcome && describeError(outcome.error)).toEqual(describeError(inThread.error));
        return;
      }
      if (!('svid' in outcome)) throw new Error(`item ${i} failed on the workers: ${outcome.error.message}`);
      const leaf = outcome.svid.certChainDer[0];
      expect(Buffer.isBuffer(leaf)).toBe(true);
      expect(new X509Certificate(leaf).verify(caKey)).toBe(true);
      expect(tbsWithoutSerial(leaf)).toEqual(tbsWithoutSerial(inThread.svid.certChainDer[0]));
      expect({ ...outcome.svid, certChainDer: [], serialNumber: '' }).toEqual({
        ...inThread.svid,
        certChainDer: [],
        serialNumber: '',
      });
      expect(outcome.svid.serialNumber).toBe(
        BigInt(`0x${new X509Certificate(leaf).serialNumber}`).toString(10),
      );
    });
    expect(pooled.filter((o) => 'error' in o)).toHaveLength(4);
    const first = pooled[0] as { svid: { certChainDer: Buffer[] } };
    expect(opensslVerify(roots, [], first.svid.certChainDer[0], Math.floor(clock.ms / 1000))).toContain('OK');
  });

  it('keeps the typed errors of bad CSRs', async () => {
    const key = ecKey();
    const [mismatch, corrupt] = await ca.signX509SvidsFromCsrs([
      { csrDer: makeCsr(key, { uris: [`${ID}/other`] }), expectedSpiffeId: ID },
      { csrDer: makeCsr(key, { uris: [ID], corruptSignature: true }), expectedSpiffeId: ID },
    ]);
    expect('error' in mismatch && mismatch.error).toBeInstanceOf(PermissionDeniedError);
    expect('error' in corrupt && corrupt.error).toBeInstanceOf(InvalidArgumentError);
    expect('error' in corrupt && (corrupt.error as InvalidArgumentError).code).toBe('ERR_CSR_SIGNATURE');
  });

  it('signs with the new authority after a rotation', async () => {
    const keyOf = (der: Buffer) => new X509Certificate(der).publicKey;
    const oldKey = keyOf(ca.bundleContents().x509Authorities[0].raw);
    await ca.signX509SvidsFromCsrs(csrBatch(20)); // the workers now hold the old authority
    const prepared = await ca.prepareX509Authority();
    await ca.activateX509Authority(prepared.authorityId);
    const newKeys = ca.bundleContents().x509Authorities.map((cert) => keyOf(cert.raw));
    const newKey = newKeys.find((key) => !key.equals(oldKey));
    if (newKey === undefined) throw new Error('the rotation added no authority');
    for (const outcome of await ca.signX509SvidsFromCsrs(csrBatch(20))) {
      if (!('svid' in outcome)) throw new Error(outcome.error.message);
      const leaf = new X509Certificate(outcome.svid.certChainDer[0]);
      expect(leaf.verify(newKey)).toBe(true);
      expect(leaf.verify(oldKey)).toBe(false);
    }
  });

  it('signs on the calling thread once closed', async () => {
    const other = await openCa({ signingWorkers: 2 });
    await other.close();
    const outcomes = await other.signX509SvidsFromCsrs(csrBatch(4));
    expect(outcomes.every((o) => 'svid' in o)).toBe(true);
  });
});

describe('CsrSigningPool', () => {
  const now = Date.UTC(2026, 0, 1);
  const authority = testAuthority(now);
  const pools: CsrSigningPool[] = [];
  const newPool = (threads: number, maxQueuedChunks?: number, logger = recordingLogger()): CsrSigningPool => {
    const pool = new CsrSigningPool({ threads, maxQueuedChunks, logger });
    pools.push(pool);
    return pool;
  };
  afterAll(() => Promise.all(pools.map((pool) => pool.close())));

  const signed = (outcomes: LeafOutcome[]): number => outcomes.filter((o) => 'leaf' in o).length;

  it('refuses a batch its queue cannot take with ResourceExhausted, then takes work again', async () => {
    const pool = newPool(1, 2);
    expect(signed(await pool.sign(authority, csrBatch(2), SETTINGS, now))).toBe(2); // the worker is up
    // The first batch fills the worker's two task slots with two chunks; with no slot free, the next batches
    // travel whole, one chunk each, and two of them fill the queue.
    const first = pool.sign(authority, csrBatch(64), SETTINGS, now);
    expect(pool.queuedChunks).toBe(0);
    const second = pool.sign(authority, csrBatch(64), SETTINGS, now);
    const third = pool.sign(authority, csrBatch(64), SETTINGS, now);
    expect(pool.queuedChunks).toBe(2);
    const refused = pool.sign(authority, csrBatch(64), SETTINGS, now);
    await expect(refused).rejects.toBeInstanceOf(ResourceExhaustedError);
    await expect(refused).rejects.toThrow(/server is busy signing SVIDs: .* \(limit 2\); retry later/);
    expect(signed(await first)).toBe(64);
    expect(signed(await second)).toBe(64);
    expect(signed(await third)).toBe(64);
    expect(signed(await pool.sign(authority, csrBatch(64), SETTINGS, now))).toBe(64);
  });

  it('fails the items of a worker that dies with Unavailable and replaces the worker', async () => {
    const logger = recordingLogger();
    const pool = newPool(2, undefined, logger);
    expect(signed(await pool.sign(authority, csrBatch(32), SETTINGS, now))).toBe(32);
    await until(() => pool.workers.length === 2, 'two workers');
    const running = pool.sign(authority, csrBatch(200), SETTINGS, now);
    await Promise.all(pool.workers.map((worker) => worker.terminate()));
    const outcomes = await running;
    const failed = outcomes.flatMap((o) => ('error' in o ? [o.error] : []));
    expect(failed.length).toBeGreaterThan(0);
    for (const err of failed) {
      expect(err).toBeInstanceOf(UnavailableError);
      expect((err as UnavailableError).code).toBe('ERR_SIGNING_WORKER_FAILED');
      expect(err.message).toMatch(/^svid signing worker failed \(worker exited with code: \d+\); retry$/);
    }
    expect(logger.errors).toContain('Signing worker failed');
    expect(signed(await pool.sign(authority, csrBatch(64), SETTINGS, now))).toBe(64);
    await until(() => pool.workers.length === 2, 'replaced workers');
  });

  it('shuts down: queued items fail with Unavailable, later batches are refused, no worker is left', async () => {
    const pool = newPool(1);
    const running = pool.sign(authority, csrBatch(400), SETTINGS, now);
    await pool.close();
    const outcomes = await running;
    for (const outcome of outcomes) {
      if ('error' in outcome)
        expect((outcome.error as UnavailableError).code).toBe('ERR_SIGNING_POOL_CLOSED');
    }
    expect(pool.workers).toHaveLength(0);
    await expect(pool.sign(authority, csrBatch(2), SETTINGS, now)).rejects.toThrow(
      'svid signing workers are shut down',
    );
  });

  it('refuses a pool without threads', () => {
    expect(thrown(() => new CsrSigningPool({ threads: 0, logger: recordingLogger() }))).toBeInstanceOf(
      RangeError,
    );
  });
});
