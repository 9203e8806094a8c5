/**
 * The Delegated Identity API over a real admin socket: the test process is the delegate (attested through
 * SO_PEERCRED as `test:uid:<uid>`), the identity cache is real and filled with SVIDs from a test CA.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type {
  FetchJWTSVIDsResponse__Output,
  SubscribeToJWTBundlesResponse__Output,
  SubscribeToX509BundlesResponse__Output,
  SubscribeToX509SVIDsResponse__Output,
} from '@lanyard/proto';
import { runAsPrefix } from '@lanyard/test-support';
import type { WorkloadEntry } from '../../src/manager/cache';
import {
  StreamReader,
  eventually,
  issueSvid,
  makeEntry,
  makeTrustDomain,
  spiffeBundle,
} from '../workload-fixtures';
import {
  DELEGATE_ID,
  call,
  delegatedClient,
  startAdmin,
  wireSelectors,
  type RunningAdmin,
} from './admin-fixtures';

jest.setTimeout(30_000);

const uid = process.getuid!();
const WORKLOAD = ['k8s:ns:prod', 'k8s:sa:api'];
let api: RunningAdmin;
let client: ReturnType<typeof delegatedClient>;

function put(entry: WorkloadEntry, withSvid = true): WorkloadEntry {
  api.cache.updateEntries([...api.cache.entries().filter((e) => e.entryId !== entry.entryId), entry]);
  if (withSvid) api.cache.setSvid(entry.entryId, issueSvid(api.td.ca, entry));
  return entry;
}

function addDelegate(): void {
  put(makeEntry('delegate', DELEGATE_ID, [`test:uid:${uid}`]));
}

async function open(options: { authorizedDelegates?: string[]; maxPendingMessages?: number } = {}) {
  api = await startAdmin(options);
  client = delegatedClient(api.socketPath);
}

afterEach(async () => {
  client?.close();
  await api?.close();
});

function x509Stream(request: { selectors?: string[]; pid?: number }) {
  return new StreamReader<SubscribeToX509SVIDsResponse__Output>(
    client.SubscribeToX509SVIDs({
      selectors: wireSelectors(request.selectors ?? []),
      pid: request.pid ?? 0,
    }),
  );
}

function leafOf(msg: SubscribeToX509SVIDsResponse__Output, i = 0): crypto.X509Certificate {
  return new crypto.X509Certificate(msg.x509_svids[i].x509_svid!.cert_chain[0]);
}

test('an authorized delegate gets the X.509-SVIDs and keys of the workload its selectors describe', async () => {
  await open();
  addDelegate();
  put(makeEntry('w1', 'spiffe://example.org/prod/api', WORKLOAD, { hint: 'internal' }));
  const reader = x509Stream({ selectors: WORKLOAD });
  const msg = await reader.next();
  expect(msg.x509_svids).toHaveLength(1);
  const svid = msg.x509_svids[0];
  expect(svid.x509_svid!.id).toEqual({ trust_domain: 'example.org', path: '/prod/api' });
  expect(svid.x509_svid!.hint).toBe('internal');
  const leaf = leafOf(msg);
  expect(leaf.subjectAltName).toBe('URI:spiffe://example.org/prod/api');
  expect(Number(svid.x509_svid!.expires_at)).toBe(Math.floor(Date.parse(leaf.validTo) / 1000));
  const key = crypto.createPrivateKey({ key: svid.x509_svid_key, format: 'der', type: 'pkcs8' });
  expect(leaf.checkPrivateKey(key)).toBe(true);
  const root = new crypto.X509Certificate(api.td.ca.bundle()[0]);
  expect(leaf.verify(root.publicKey)).toBe(true);
  expect(msg.federates_with).toEqual([]);
  reader.cancel();
});

test('a rotated SVID is pushed; federated trust domains of the entries are listed', async () => {
  await open();
  addDelegate();
  const entry = put(makeEntry('w1', 'spiffe://example.org/prod/api', WORKLOAD));
  const reader = x509Stream({ selectors: WORKLOAD });
  const first = leafOf(await reader.next());
  api.cache.setSvid('w1', issueSvid(api.td.ca, entry));
  const second = leafOf(await reader.next());
  expect(second.serialNumber).not.toBe(first.serialNumber);
  const other = makeTrustDomain('other.org');
  api.cache.setFederatedBundles([other.bundle]);
  put({ ...entry, federatesWith: ['other.org'], revision: 2 });
  let third = await reader.next();
  for (let i = 0; i < 5 && third.federates_with.length === 0; i++) third = await reader.next();
  expect(third.federates_with).toEqual(['spiffe://other.org']);
  reader.cancel();
});

test('selectors that match nothing get an empty list and the stream stays open', async () => {
  await open();
  addDelegate();
  const reader = x509Stream({ selectors: ['k8s:ns:later'] });
  const empty = await reader.next();
  expect(empty.x509_svids).toEqual([]);
  put(makeEntry('w2', 'spiffe://example.org/later', ['k8s:ns:later']));
  const later = await reader.next();
  expect(later.x509_svids.map((s) => s.x509_svid!.id!.path)).toEqual(['/later']);
  reader.cancel();
});

test('admin and downstream entries are never handed to a delegate', async () => {
  await open();
  addDelegate();
  put(makeEntry('w1', 'spiffe://example.org/prod/api', WORKLOAD));
  put(makeEntry('w3', 'spiffe://example.org/prod/admin', WORKLOAD, { admin: true }));
  put(makeEntry('w4', 'spiffe://example.org/prod/downstream', WORKLOAD, { downstream: true }));
  const reader = x509Stream({ selectors: WORKLOAD });
  const msg = await reader.next();
  expect(msg.x509_svids.map((s) => s.x509_svid!.id!.path)).toEqual(['/prod/api']);
  reader.cancel();
  const jwt = await call<unknown, FetchJWTSVIDsResponse__Output>(
    (r, cb) => client.FetchJWTSVIDs(r as never, cb),
    { audience: ['aud'], selectors: wireSelectors(WORKLOAD) },
  );
  expect(jwt.svids.map((s) => s.id!.path)).toEqual(['/prod/api']);
});

test('callers that are not authorized delegates get PERMISSION_DENIED with SPIRE messages', async () => {
  await open({ authorizedDelegates: ['spiffe://example.org/someone-else'] });
  put(makeEntry('w1', 'spiffe://example.org/prod/api', WORKLOAD));
  const noEntry = await x509Stream({ selectors: WORKLOAD }).ended;
  expect(noEntry.code).toBe(grpc.status.PERMISSION_DENIED);
  expect(noEntry.details).toBe('no identity issued');
  addDelegate();
  const notListed = await x509Stream({ selectors: WORKLOAD }).ended;
  expect(notListed.code).toBe(grpc.status.PERMISSION_DENIED);
  expect(notListed.details).toBe('caller not configured as an authorized delegate');
  const bundles = new StreamReader(client.SubscribeToX509Bundles({}));
  expect((await bundles.ended).details).toBe('caller not configured as an authorized delegate');
  await expect(
    call((r, cb) => client.FetchJWTSVIDs(r as never, cb), {
      audience: ['a'],
      selectors: wireSelectors(WORKLOAD),
    }),
  ).rejects.toMatchObject({
    code: grpc.status.PERMISSION_DENIED,
    details: 'caller not configured as an authorized delegate',
  });
});

test('a delegate whose entry is removed loses its open streams', async () => {
  await open();
  addDelegate();
  put(makeEntry('w1', 'spiffe://example.org/prod/api', WORKLOAD));
  const reader = x509Stream({ selectors: WORKLOAD });
  await reader.next();
  api.cache.updateEntries(api.cache.entries().filter((e) => e.entryId !== 'delegate'));
  const status = await reader.ended;
  expect(status.code).toBe(grpc.status.PERMISSION_DENIED);
  expect(status.details).toBe('no identity issued');
  await eventually(() => api.admin.streams.size === 0);
});

test('selectors and pid: exactly one; bad selectors are named', async () => {
  await open();
  addDelegate();
  const both = await x509Stream({ selectors: WORKLOAD, pid: process.pid }).ended;
  expect(both.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(both.details).toBe('must provide either selectors or non-zero PID, but not both');
  const neither = await x509Stream({}).ended;
  expect(neither.details).toBe('must provide either selectors or non-zero PID, but not both');
  await expect(
    call((r, cb) => client.FetchJWTSVIDs(r as never, cb), { audience: ['a'], selectors: [], pid: 0 }),
  ).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
  const bad = new StreamReader(
    client.SubscribeToX509SVIDs({ selectors: [{ type: 'k8s', value: '' }], pid: 0 }),
  );
  const status = await bad.ended;
  expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(status.details).toBe('could not parse provided selectors: selectors[0]: missing selector value');
});

test('by pid: the agent attests the process itself; an unknown pid is UNAVAILABLE', async () => {
  await open();
  addDelegate();
  const otherUid = 4243;
  put(makeEntry('w5', 'spiffe://example.org/other-user', [`test:uid:${otherUid}`]));
  const child: ChildProcess = spawn(runAsPrefix({ uid: otherUid })[0], [
    ...runAsPrefix({ uid: otherUid }).slice(1),
    'sleep',
    '30',
  ]);
  try {
    await eventually(() => readUid(child.pid!) === otherUid);
    const reader = x509Stream({ pid: child.pid! });
    const msg = await reader.next();
    expect(msg.x509_svids.map((s) => s.x509_svid!.id!.path)).toEqual(['/other-user']);
    reader.cancel();
  } finally {
    child.kill();
  }
  const gone = await x509Stream({ pid: 999_999_999 }).ended;
  expect(gone.code).toBe(grpc.status.UNAVAILABLE);
  expect(gone.details).toContain('workload attestation failed');
});

function readUid(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
    return Number(/^Uid:\s+\d+\s+(\d+)/m.exec(status)?.[1]);
  } catch {
    return undefined;
  }
}

test('X.509 and JWT bundle streams carry own and federated bundles and follow changes', async () => {
  await open();
  addDelegate();
  const x509 = new StreamReader<SubscribeToX509BundlesResponse__Output>(client.SubscribeToX509Bundles({}));
  const jwt = new StreamReader<SubscribeToJWTBundlesResponse__Output>(client.SubscribeToJWTBundles({}));
  const firstX509 = await x509.next();
  expect(Object.keys(firstX509.ca_certificates)).toEqual(['spiffe://example.org']);
  expect(Buffer.from(firstX509.ca_certificates['spiffe://example.org'])).toEqual(
    Buffer.concat(api.td.ca.bundle()),
  );
  const firstJwt = await jwt.next();
  const jwks = JSON.parse(Buffer.from(firstJwt.bundles['spiffe://example.org']).toString()) as {
    keys: Array<{ kid: string }>;
  };
  expect(jwks.keys.map((k) => k.kid)).toEqual([api.td.jwtKey.kid]);
  const other = makeTrustDomain('other.org');
  api.cache.setFederatedBundles([other.bundle]);
  const nextX509 = await x509.next();
  expect(Object.keys(nextX509.ca_certificates).sort()).toEqual([
    'spiffe://example.org',
    'spiffe://other.org',
  ]);
  expect(Buffer.from(nextX509.ca_certificates['spiffe://other.org'])).toEqual(
    Buffer.concat(other.ca.bundle()),
  );
  const nextJwt = await jwt.next();
  expect(Object.keys(nextJwt.bundles).sort()).toEqual(['spiffe://example.org', 'spiffe://other.org']);
  x509.cancel();
  jwt.cancel();
});

test('FetchJWTSVIDs: audience required, one token per matching entry, PERMISSION_DENIED when none', async () => {
  await open();
  addDelegate();
  put(makeEntry('w1', 'spiffe://example.org/prod/api', WORKLOAD, { hint: 'h' }));
  const fetch = (request: object) =>
    call<unknown, FetchJWTSVIDsResponse__Output>((r, cb) => client.FetchJWTSVIDs(r as never, cb), request);
  await expect(fetch({ audience: [], selectors: wireSelectors(WORKLOAD) })).rejects.toMatchObject({
    code: grpc.status.INVALID_ARGUMENT,
    details: 'audience must be specified',
  });
  const res = await fetch({ audience: ['spiffe://example.org/db'], selectors: wireSelectors(WORKLOAD) });
  expect(res.svids).toHaveLength(1);
  const svid = res.svids[0];
  expect(svid.id).toEqual({ trust_domain: 'example.org', path: '/prod/api' });
  expect(svid.hint).toBe('h');
  const verified = crypto.verify(
    'sha256',
    Buffer.from(svid.token.split('.').slice(0, 2).join('.')),
    { key: api.td.jwtKey.publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(svid.token.split('.')[2], 'base64url'),
  );
  expect(verified).toBe(true);
  const claims = JSON.parse(Buffer.from(svid.token.split('.')[1], 'base64url').toString()) as {
    sub: string;
    aud: string[] | string;
    exp: number;
    iat: number;
  };
  expect(claims.sub).toBe('spiffe://example.org/prod/api');
  expect([claims.aud].flat()).toEqual(['spiffe://example.org/db']);
  expect(Number(svid.expires_at)).toBe(claims.exp);
  expect(Number(svid.issued_at)).toBe(claims.iat);
  await expect(fetch({ audience: ['a'], selectors: wireSelectors(['k8s:ns:none']) })).rejects.toMatchObject({
    code: grpc.status.PERMISSION_DENIED,
    details: 'no identity issued',
  });
});

test('a subscriber that stops reading is closed with RESOURCE_EXHAUSTED; memory stays bounded', async () => {
  await open({ maxPendingMessages: 4 });
  addDelegate();
  // Large bundles (many roots) so that HTTP/2 flow control stops the transport after a few messages.
  const roots = Array.from({ length: 40 }, () => makeTrustDomain('example.org').ca.bundle()[0]);
  const bundles = [spiffeBundle('example.org', roots), spiffeBundle('example.org', roots.slice(1))];
  const stream = client.SubscribeToX509Bundles({});
  const ended = new Promise<grpc.StatusObject>((resolve) => stream.on('status', resolve));
  stream.on('error', () => undefined);
  // Take the first message, then stop reading: grpc-js stops asking HTTP/2 for more once its buffer is full.
  await new Promise((resolve) => stream.once('data', resolve));
  stream.pause();
  for (let i = 0; i < 1000 && api.admin.streams.size > 0; i++) {
    api.cache.setBundle(bundles[i % 2]);
    await new Promise((r) => setImmediate(r));
  }
  expect(api.admin.streams.size).toBe(0);
  stream.resume();
  const status = await ended;
  expect(status.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  expect(status.details).toBe('subscriber is not reading: 4 updates pending, closing the stream');
});
