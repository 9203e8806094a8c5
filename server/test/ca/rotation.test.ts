import { X509Certificate } from 'node:crypto';
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FailedPreconditionError, InvalidArgumentError } from '@lanyard/base';
import { JOURNAL_FILE, MemoryKeyManager, ServerCa, type CaEvent } from '../../src/ca';
import { ManualClock, cleanupDirs, ecKey, keyIdentifier, openCa, opensslVerify, tempDir } from './helpers';

afterAll(cleanupDirs);

const HOUR = 3600;

function issuerId(ca: ServerCa): string {
  const svid = ca.signX509Svid({ spiffeId: 'spiffe://example.org/w', publicKey: ecKey().publicKey });
  return keyIdentifier(svid.certChainDer[0], 'Authority');
}

describe('scheduled rotation (ca_ttl 24h)', () => {
  const clock = new ManualClock();
  const events: CaEvent[] = [];
  let ca: ServerCa;
  let firstX509: string;
  let firstJwt: string;

  beforeAll(async () => {
    ca = await openCa({ now: clock.now, caTtlSeconds: 24 * HOUR });
    ca.onEvent((e) => events.push(e));
    firstX509 = ca.getX509AuthorityState().active!.authorityId;
    firstJwt = ca.getJwtAuthorityState().active!.authorityId;
  });

  it('starts with one active authority of each kind in the bundle', () => {
    expect(ca.getX509AuthorityState()).toEqual({
      active: {
        authorityId: firstX509,
        expiresAt: clock.ms / 1000 + 24 * HOUR,
        upstreamAuthoritySubjectKeyId: '',
        tainted: false,
      },
      prepared: undefined,
      old: undefined,
    });
    expect(ca.bundleContents().x509Authorities).toHaveLength(1);
    expect(ca.bundleContents().jwtAuthorities.size).toBe(1);
    expect([...ca.bundleContents().jwtAuthorities.keys()][0]).toBe(firstJwt);
  });

  it('does nothing before half of the lifetime', async () => {
    clock.advance(11 * HOUR);
    await ca.rotate();
    expect(ca.getX509AuthorityState().prepared).toBeUndefined();
    expect(events).toHaveLength(0);
  });

  it('prepares and publishes the next authorities at half-life, still signing with the current', async () => {
    clock.advance(1 * HOUR);
    await ca.rotate();
    const prepared = ca.getX509AuthorityState().prepared;
    expect(prepared).toBeDefined();
    expect(ca.getJwtAuthorityState().prepared).toBeDefined();
    expect(ca.bundleContents().x509Authorities).toHaveLength(2);
    expect(ca.bundleContents().jwtAuthorities.size).toBe(2);
    expect(events.map((e) => e.type)).toEqual([
      'x509-authority-prepared',
      'jwt-authority-prepared',
      'bundle-changed',
    ]);
    expect(issuerId(ca)).toBe(firstX509);
  });

  it('activates the prepared authorities at 5/6 of the lifetime; the previous becomes old', async () => {
    const preparedId = ca.getX509AuthorityState().prepared!.authorityId;
    clock.advance(8 * HOUR);
    await ca.rotate();
    const state = ca.getX509AuthorityState();
    expect(state.active?.authorityId).toBe(preparedId);
    expect(state.old?.authorityId).toBe(firstX509);
    expect(ca.getJwtAuthorityState().old?.authorityId).toBe(firstJwt);
    expect(issuerId(ca)).toBe(preparedId);
    expect(events.map((e) => e.type).slice(3)).toEqual([
      'x509-authority-activated',
      'jwt-authority-activated',
    ]);
    const token = ca.signJwtSvid({ spiffeId: 'spiffe://example.org/w', audience: ['a'] }).token;
    expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid).not.toBe(firstJwt);
  });

  it('drops the old authorities from the bundle once they expire', async () => {
    clock.advance(4 * HOUR + 10);
    await ca.rotate();
    const rootIds = ca.bundleContents().x509Authorities.map((c) => keyIdentifier(c.raw, 'Subject'));
    expect(rootIds).not.toContain(firstX509);
    expect(rootIds).toContain(ca.getX509AuthorityState().active!.authorityId);
    expect([...ca.bundleContents().jwtAuthorities.keys()]).not.toContain(firstJwt);
    expect(events[events.length - 1].type).toBe('bundle-changed');
  });
});

describe('LocalAuthority operations', () => {
  let ca: ServerCa;
  beforeEach(async () => {
    ca = await openCa();
  });

  it('prepare → activate → taint → revoke for X.509', async () => {
    const original = ca.getX509AuthorityState().active!.authorityId;
    const prepared = await ca.prepareX509Authority();
    expect(ca.getX509AuthorityState().prepared?.authorityId).toBe(prepared.authorityId);
    await expect(ca.activateX509Authority('')).rejects.toThrow(
      new InvalidArgumentError('no authority ID provided'),
    );
    await expect(ca.activateX509Authority('abcd')).rejects.toThrow('unexpected authority ID');
    const active = await ca.activateX509Authority(prepared.authorityId);
    expect(active.authorityId).toBe(prepared.authorityId);
    await expect(ca.activateX509Authority(original)).rejects.toThrow(
      'only Prepared authorities can be activated',
    );
    await expect(ca.taintX509Authority(prepared.authorityId)).rejects.toThrow(
      'unable to taint current local authority',
    );
    await expect(ca.revokeX509Authority(original)).rejects.toThrow(
      new FailedPreconditionError('it is not possible to revoke an untainted root CA'),
    );
    const tainted = await ca.taintX509Authority(original);
    expect(tainted).toMatchObject({ authorityId: original, tainted: true });
    expect(ca.bundleContents().x509AuthorityMetadata.map((m) => m.tainted)).toEqual([true, false]);
    await expect(ca.taintX509Authority(original)).rejects.toThrow('root CA is already tainted');
    await ca.revokeX509Authority(original);
    expect(ca.bundleContents().x509Authorities).toHaveLength(1);
    expect(
      new X509Certificate(ca.bundleContents().x509Authorities[0].raw).checkIssued(
        new X509Certificate(ca.bundleContents().x509Authorities[0].raw),
      ),
    ).toBe(true);
    expect(issuerId(ca)).toBe(prepared.authorityId);
  });

  it('refuses to taint a prepared authority', async () => {
    const prepared = await ca.prepareX509Authority();
    await expect(ca.taintX509Authority(prepared.authorityId)).rejects.toThrow(
      'only Old local authorities can be tainted',
    );
  });

  it('prepare → activate → taint → revoke for JWT keys, emitting bundle changes', async () => {
    const bundles: number[] = [];
    ca.onBundleChange((b) => bundles.push(b.jwtAuthorities.size));
    const original = ca.getJwtAuthorityState().active!.authorityId;
    const prepared = await ca.prepareJwtAuthority();
    await ca.activateJwtAuthority(prepared.authorityId);
    await expect(ca.revokeJwtAuthority(original)).rejects.toThrow(
      'it is not possible to revoke an untainted key',
    );
    await ca.taintJwtAuthority(original);
    expect(ca.bundleContents().jwtAuthorityMetadata.get(original)?.tainted).toBe(true);
    await ca.revokeJwtAuthority(original);
    expect([...ca.bundleContents().jwtAuthorities.keys()]).toEqual([prepared.authorityId]);
    expect(bundles).toEqual([2, 2, 1]);
  });

  it('revokes any tainted JWT key except the active and prepared ones', async () => {
    const original = ca.getJwtAuthorityState().active!.authorityId;
    const second = await ca.prepareJwtAuthority();
    await expect(ca.revokeJwtAuthority(second.authorityId)).rejects.toThrow(
      'invalid authority ID: unable to use a prepared key',
    );
    await expect(ca.revokeJwtAuthority(original)).rejects.toThrow(
      'invalid authority ID: unable to use current authority',
    );
    await expect(ca.revokeJwtAuthority('nope')).rejects.toThrow(
      'invalid authority ID: no JWT authority found with provided authority ID',
    );
    await ca.activateJwtAuthority(second.authorityId);
    await ca.taintJwtAuthority(original);
    const third = await ca.prepareJwtAuthority();
    await ca.activateJwtAuthority(third.authorityId);
    // `original` is no longer in a slot (the slot now holds `second` as old) but is still published and tainted.
    expect(ca.getJwtAuthorityState().old?.authorityId).toBe(second.authorityId);
    const revoked = await ca.revokeJwtAuthority(original);
    expect(revoked).toMatchObject({ authorityId: original, tainted: true });
    expect([...ca.bundleContents().jwtAuthorities.keys()]).toEqual([second.authorityId, third.authorityId]);
  });

  it('drops a replaced, never-activated prepared authority from the bundle', async () => {
    const first = await ca.prepareX509Authority();
    const second = await ca.prepareX509Authority();
    expect(second.authorityId).not.toBe(first.authorityId);
    const rootIds = ca.bundleContents().x509Authorities.map((c) => keyIdentifier(c.raw, 'Subject'));
    expect(rootIds).toEqual([ca.getX509AuthorityState().active!.authorityId, second.authorityId]);
  });
});

describe('persistence across restarts', () => {
  it('keeps authorities, bundle and taint state with the disk KeyManager; files are 0600', async () => {
    const { DiskKeyManager } = await import('../../src/ca');
    const dataDir = tempDir();
    const keysPath = path.join(dataDir, 'keys.json');
    const clock = new ManualClock();
    const first = await ServerCa.create({
      trustDomain: 'example.org',
      dataDir,
      keyManager: await DiskKeyManager.open(keysPath),
      now: clock.now,
    });
    const prepared = await first.prepareX509Authority();
    const beforeSvid = first.signX509Svid({
      spiffeId: 'spiffe://example.org/w',
      publicKey: ecKey().publicKey,
    });
    const before = {
      x509: first.getX509AuthorityState(),
      jwt: first.getJwtAuthorityState(),
      bundle: first.bundleContents(),
    };

    const second = await ServerCa.create({
      trustDomain: 'example.org',
      dataDir,
      keyManager: await DiskKeyManager.open(keysPath),
      now: clock.now,
    });
    expect(second.getX509AuthorityState()).toEqual(before.x509);
    expect(second.getJwtAuthorityState()).toEqual(before.jwt);
    expect(second.bundleContents().equals(before.bundle)).toBe(true);
    expect(statSync(keysPath).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dataDir, JOURNAL_FILE)).mode & 0o777).toBe(0o600);
    const afterSvid = second.signX509Svid({
      spiffeId: 'spiffe://example.org/w',
      publicKey: ecKey().publicKey,
    });
    expect(keyIdentifier(afterSvid.certChainDer[0], 'Authority')).toBe(
      keyIdentifier(beforeSvid.certChainDer[0], 'Authority'),
    );
    const roots = second.bundleContents().x509Authorities.map((c) => c.raw);
    expect(opensslVerify(roots, [], beforeSvid.certChainDer[0], clock.ms / 1000)).toMatch(/OK/);
    await second.activateX509Authority(prepared.authorityId);
  });

  it('mints a fresh authority when the keys are gone but keeps the old root published', async () => {
    const dataDir = tempDir();
    const first = await ServerCa.create({
      trustDomain: 'example.org',
      dataDir,
      keyManager: new MemoryKeyManager(),
    });
    const oldId = first.getX509AuthorityState().active!.authorityId;
    const second = await ServerCa.create({
      trustDomain: 'example.org',
      dataDir,
      keyManager: new MemoryKeyManager(),
    });
    expect(second.getX509AuthorityState().active!.authorityId).not.toBe(oldId);
    expect(second.bundleContents().x509Authorities).toHaveLength(2);
  });

  it('refuses a corrupt journal or one from another trust domain', async () => {
    const dataDir = tempDir();
    await ServerCa.create({ trustDomain: 'example.org', dataDir, keyManager: new MemoryKeyManager() });
    await expect(
      ServerCa.create({ trustDomain: 'other.org', dataDir, keyManager: new MemoryKeyManager() }),
    ).rejects.toThrow(/belongs to trust domain "example.org", not "other.org"/);
    writeFileSync(path.join(dataDir, JOURNAL_FILE), '{not json');
    await expect(
      ServerCa.create({ trustDomain: 'example.org', dataDir, keyManager: new MemoryKeyManager() }),
    ).rejects.toThrow(FailedPreconditionError);
  });

  it('logs preparation and activation with SPIRE messages and never key material', async () => {
    const lines: Array<{ message: string; fields?: Record<string, unknown> }> = [];
    const record = (message: string, fields?: Record<string, unknown>): void => {
      lines.push({ message, fields });
    };
    const ca = await openCa({ logger: { debug: record, info: record, warn: record, error: record } });
    const prepared = await ca.prepareX509Authority();
    await ca.activateX509Authority(prepared.authorityId);
    expect(lines.map((l) => l.message)).toEqual([
      'X509 CA activated',
      'JWT key activated',
      'X509 CA prepared',
      'X509 CA activated',
    ]);
    expect(lines[3].fields?.local_authority_id).toBe(prepared.authorityId);
    expect(JSON.stringify(lines)).not.toMatch(/PRIVATE KEY|"d":/);
  });

  it('start() and stop() manage an unref-ed timer', async () => {
    const ca = await openCa();
    ca.start();
    ca.start();
    ca.stop();
    ca.stop();
    expect(ca.getX509AuthorityState().active).toBeDefined();
  });
});
