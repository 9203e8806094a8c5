import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@lanyard/attestor-core';
import type { SpiffeBundle } from '@lanyard/spiffe';
import { BundleSync } from '../src/bundle-sync';
import { openDataStore, type DataStore } from '../src/datastore';
import { makeCert, spiffeBundle } from './datastore/fixtures';

const TD = 'example.org';
const dir = mkdtempSync(join(tmpdir(), 'lanyard-bundle-sync-'));
let counter = 0;
let ds: DataStore;
let reads: number;
let failNext: boolean;
let sync: BundleSync;

/** Our trust domain's bundle holding one root certificate. */
function withRoot(der: Buffer) {
  return spiffeBundle({
    trustDomain: TD,
    x509Authorities: [{ asn1: der }],
    jwtAuthorities: [],
    refreshHint: 0,
    sequenceNumber: 0,
  });
}

const rootA = makeCert(30, 'root-a').der;
const rootB = makeCert(30, 'root-b').der;
const rootsOf = (bundle: SpiffeBundle | undefined): string[] =>
  (bundle?.x509Authorities ?? []).map((c) => c.raw.toString('base64'));

beforeEach(async () => {
  const store = await openDataStore({
    databaseType: 'sqlite3',
    connectionString: join(dir, `db${++counter}`, 'datastore.sqlite3'),
  });
  ds = store;
  reads = 0;
  failNext = false;
  // Counts the reads BundleSync makes; every call still goes to the real SQLite store.
  const counted = Object.create(store) as DataStore;
  counted.getBundle = (td) => {
    reads++;
    if (failNext) {
      failNext = false;
      return Promise.reject(new Error('database is locked'));
    }
    return store.getBundle(td);
  };
  sync = new BundleSync(counted, TD, () => [], silentLogger);
  await ds.appendBundle(withRoot(rootA));
});

afterEach(async () => {
  await ds.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a read younger than the allowed age is served from memory; an older one is read again', async () => {
  expect(rootsOf(await sync.current())).toEqual([rootA.toString('base64')]);
  await ds.appendBundle(withRoot(rootB)); // as a sibling server sharing the database would
  expect(rootsOf(await sync.current(60_000))).toEqual([rootA.toString('base64')]);
  expect(reads).toBe(1);
  expect(rootsOf(await sync.current(0))).toEqual([rootA, rootB].map((d) => d.toString('base64')));
  expect(reads).toBe(2);
});

test('callers arriving while a read is in flight share it', async () => {
  const answers = await Promise.all([sync.current(), sync.current(), sync.current()]);
  expect(reads).toBe(1);
  expect(answers[1]).toBe(answers[0]);
  expect(answers[2]).toBe(answers[0]);
});

test('after a write of this server, the reload it starts is what every later caller gets', async () => {
  await sync.current();
  await ds.appendBundle(withRoot(rootB));
  const reloaded = sync.reload(); // what onLocalBundleChanged does right after the write
  const answer = await sync.current(60_000);
  await reloaded;
  expect(rootsOf(answer)).toEqual([rootA, rootB].map((d) => d.toString('base64')));
});

test('listeners hear of a change of sequence number once, whichever read saw it', async () => {
  let changes = 0;
  sync.onChange(() => changes++);
  await sync.reload();
  expect(changes).toBe(1);
  await sync.current(0);
  await sync.reload();
  expect(changes).toBe(1);
  await ds.appendBundle(withRoot(rootB));
  await sync.current(0);
  expect(changes).toBe(2);
  expect(sync.trustedRoots().map((d) => d.toString('base64'))).toEqual(
    [rootA, rootB].map((d) => d.toString('base64')),
  );
});

test('a failed read is reported to its callers and the next call reads again', async () => {
  failNext = true;
  await expect(sync.current()).rejects.toThrow('database is locked');
  expect(rootsOf(await sync.current())).toEqual([rootA.toString('base64')]);
  expect(reads).toBe(2);
});
