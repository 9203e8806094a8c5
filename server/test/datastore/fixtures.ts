import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpiffeBundle, TrustDomain } from '@lanyard/spiffe';
import type { DataStore, NewRegistrationEntry, RegistrationEntry, Selector } from '../../src/datastore';

/** Shared state the conformance suites read: a fresh store per test and a settable clock. */
export interface SuiteContext {
  /** The store opened for the current test. */
  ds(): DataStore;
  /** Closes the current store and opens the same database again (migrations re-run). */
  reopen(): Promise<DataStore>;
  /** True when two stores in one process can write concurrently (Postgres; not synchronous SQLite). */
  readonly multiConnection: boolean;
  /** Opens another store on the same database (its own connections), closed after the test. */
  openAnother(): Promise<DataStore>;
  /** Current fake time, ms. */
  nowMs(): number;
  setNowMs(ms: number): void;
  /** Messages logged by the current store. */
  logs(): string[];
}

/** Builds a selector list from `type:value` strings. */
export function sels(...pairs: string[]): Selector[] {
  return pairs.map((p) => {
    const i = p.indexOf(':');
    return { type: p.slice(0, i), value: p.slice(i + 1) };
  });
}

/** A valid new entry with overrides. */
export function newEntry(overrides: Partial<NewRegistrationEntry> = {}): NewRegistrationEntry {
  return {
    spiffeId: 'spiffe://example.org/workload',
    parentId: 'spiffe://example.org/spire/agent/join_token/abc',
    selectors: sels('unix:uid:1000'),
    x509SvidTtl: 3600,
    jwtSvidTtl: 300,
    dnsNames: [],
    federatesWith: [],
    admin: false,
    downstream: false,
    expiresAt: 0,
    storeSvid: false,
    hint: '',
    ...overrides,
  };
}

/** Every entry through the entry cache's paged scan (`pageSize` entries per page), pages concatenated. */
export async function scanAll(ds: DataStore, pageSize?: number): Promise<RegistrationEntry[]> {
  const all: RegistrationEntry[] = [];
  const count = await ds.scanEntriesForCache((page) => all.push(...page), pageSize);
  expect(count).toBe(all.length);
  return all;
}

/** A real self-signed P-256 certificate valid for `days`, made by the openssl CLI; with its SKI (hex). */
export function makeCert(days: number, cn = 'test-root'): { der: Buffer; ski: string; notAfter: number } {
  const dir = mkdtempSync(join(tmpdir(), 'lanyard-cert-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.der');
    execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
    execFileSync('openssl', [
      'req',
      '-x509',
      '-new',
      '-key',
      key,
      '-days',
      String(days),
      '-subj',
      `/CN=${cn}`,
      '-outform',
      'DER',
      '-out',
      cert,
      '-addext',
      'subjectKeyIdentifier=hash',
    ]);
    const text = execFileSync('openssl', [
      'x509',
      '-inform',
      'DER',
      '-in',
      cert,
      '-noout',
      '-ext',
      'subjectKeyIdentifier',
    ]).toString('utf8');
    const ski = (text.split('\n')[1] ?? '').trim().replace(/:/g, '').toLowerCase();
    const der = readFileSync(cert);
    const notAfter = Math.floor(Date.parse(new X509Certificate(der).validTo) / 1000);
    return { der, ski, notAfter };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A test JWT authority: SPKI DER public key, key ID, expiry (0 = none), tainted flag. */
export interface TestJwtKey {
  publicKey: Buffer;
  keyId: string;
  expiresAt: number;
  tainted?: boolean;
}

/** A bundle as plain, comparable data (`tainted` only when true), the way the suites describe them. */
export interface BundleParts {
  trustDomain: string;
  x509Authorities: { asn1: Buffer; tainted?: boolean }[];
  jwtAuthorities: TestJwtKey[];
  /** 0 = unset. */
  refreshHint: number;
  /** 0 = unset. */
  sequenceNumber: number;
}

/** The {@link SpiffeBundle} the parts describe. */
export function spiffeBundle(parts: BundleParts): SpiffeBundle {
  return new SpiffeBundle({
    trustDomain: TrustDomain.parse(parts.trustDomain),
    x509Authorities: parts.x509Authorities.map((a) => new X509Certificate(a.asn1)),
    x509AuthorityMetadata: parts.x509Authorities.map((a) => ({ tainted: a.tainted === true })),
    jwtAuthorities: parts.jwtAuthorities.map((k) => [
      k.keyId,
      createPublicKey({ key: k.publicKey, format: 'der', type: 'spki' }),
    ]),
    jwtAuthorityMetadata: parts.jwtAuthorities.map((k) => [
      k.keyId,
      { tainted: k.tainted === true, expiresAt: k.expiresAt > 0 ? k.expiresAt : undefined },
    ]),
    refreshHint: parts.refreshHint || undefined,
    sequenceNumber: parts.sequenceNumber || undefined,
  });
}

/** The parts of a {@link SpiffeBundle} (or `undefined`), for `toEqual` comparisons byte for byte. */
export function bundleParts(bundle: SpiffeBundle | undefined): BundleParts | undefined {
  if (bundle === undefined) return undefined;
  const tainted = (flag: boolean) => (flag ? { tainted: true } : {});
  return {
    trustDomain: bundle.trustDomain.name,
    x509Authorities: bundle.x509Authorities.map((cert, i) => ({
      asn1: Buffer.from(cert.raw),
      ...tainted(bundle.x509AuthorityMetadata[i]?.tainted === true),
    })),
    jwtAuthorities: [...bundle.jwtAuthorities].map(([keyId, key]) => {
      const meta = bundle.jwtAuthorityMetadata.get(keyId);
      return {
        publicKey: key.export({ format: 'der', type: 'spki' }),
        keyId,
        expiresAt: meta?.expiresAt ?? 0,
        ...tainted(meta?.tainted === true),
      };
    }),
    refreshHint: bundle.refreshHint ?? 0,
    sequenceNumber: bundle.sequenceNumber ?? 0,
  };
}

/** A bundle of `trustDomain` without authorities. */
export function emptyBundle(trustDomain: string): SpiffeBundle {
  return new SpiffeBundle({ trustDomain: TrustDomain.parse(trustDomain) });
}

/** A JWT authority with a fresh P-256 key. */
export function makeJwtKey(keyId: string, expiresAt: number): TestJwtKey {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { publicKey: publicKey.export({ type: 'spki', format: 'der' }), keyId, expiresAt };
}

/** Awaits `p` and returns what it rejected with (fails the test if it resolved). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}
