import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@lanyard/attestor-core';
import { EntryCache } from '../../src/authorized-entries/entry-cache';
import { openDataStore, type DataStore, type RegistrationEntry } from '../../src/datastore';
import { newEntry, sels } from '../datastore/fixtures';

const SERVER = 'spiffe://example.org/spire/server';
const AGENT = 'spiffe://example.org/spire/agent/join_token/a1';
const OTHER = 'spiffe://example.org/spire/agent/join_token/a2';

const dir = mkdtempSync(join(tmpdir(), 'lanyard-entry-cache-'));
let ds: DataStore;
let counter = 0;

beforeEach(async () => {
  ds = await openDataStore({
    databaseType: 'sqlite3',
    connectionString: join(dir, `ds${++counter}.sqlite3`),
  });
  await ds.createEntries([
    ...Array.from({ length: 7 }, (_, i) =>
      newEntry({ spiffeId: `spiffe://example.org/w${i}`, parentId: AGENT, selectors: sels(`unix:uid:${i}`) }),
    ),
    newEntry({ spiffeId: 'spiffe://example.org/nested', parentId: 'spiffe://example.org/w0' }),
    newEntry({ spiffeId: 'spiffe://example.org/elsewhere', parentId: OTHER }),
  ]);
});
afterEach(() => ds.close());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spiffeIds = (entries: RegistrationEntry[]) => entries.map((e) => e.spiffeId).sort();
const agentEntries = [
  ...Array.from({ length: 7 }, (_, i) => `spiffe://example.org/w${i}`),
  'spiffe://example.org/nested',
].sort();

describe('EntryCache', () => {
  it('hydrates from the datastore page by page and answers from memory', async () => {
    const pages: number[] = [];
    const paged: DataStore = Object.create(ds, {
      scanEntriesForCache: {
        value: (onPage: (entries: RegistrationEntry[]) => void) =>
          ds.scanEntriesForCache((page) => {
            pages.push(page.length);
            onPage(page);
          }, 4),
      },
    });
    const cache = new EntryCache({ datastore: paged, serverId: SERVER, logger: silentLogger });
    await cache.start();
    cache.stop();
    expect(pages).toEqual([4, 4, 1]);
    expect(spiffeIds(cache.authorizedEntries(AGENT))).toEqual(agentEntries);
    expect(spiffeIds(cache.index.entriesForSpiffeId('spiffe://example.org/w3'))).toEqual([
      'spiffe://example.org/w3',
    ]);
  });

  it('keeps answering from the complete previous index while a full reload reads pages', async () => {
    const duringReload: number[] = [];
    const paged: DataStore = Object.create(ds, {
      scanEntriesForCache: {
        value: (onPage: (entries: RegistrationEntry[]) => void) =>
          ds.scanEntriesForCache((page) => {
            duringReload.push(cache.authorizedEntries(AGENT).length);
            onPage(page);
          }, 2),
      },
    });
    let clock = 1_000_000;
    const cache = new EntryCache({
      datastore: paged,
      serverId: SERVER,
      logger: silentLogger,
      fullReloadIntervalMs: 10,
      now: () => clock,
    });
    await cache.start();
    cache.stop();
    duringReload.length = 0;
    await ds.deleteEntry(
      (await ds.listEntries({ spiffeId: 'spiffe://example.org/w6' })).items[0]?.id as string,
    );
    clock += 60_000;
    await cache.refresh();
    expect(duringReload).toEqual([8, 8, 8, 8]);
    expect(cache.authorizedEntries(AGENT)).toHaveLength(7);
  });

  it('reports an entry as changed once it expires, so watches withdraw it though no event was written', async () => {
    let clock = 1_000_000_000;
    const expiring = await ds.createEntry(
      newEntry({ spiffeId: 'spiffe://example.org/brief', parentId: AGENT, expiresAt: clock / 1000 + 30 }),
    );
    const cache = new EntryCache({ datastore: ds, serverId: SERVER, logger: silentLogger, now: () => clock });
    await cache.start();
    cache.stop();
    const changed: string[][] = [];
    cache.onChange((change) => changed.push([...change.entryIds]));
    await cache.refresh();
    expect(changed).toEqual([]);
    expect(cache.authorizedEntry(AGENT, expiring.id)?.spiffeId).toBe('spiffe://example.org/brief');
    clock += 31_000;
    await cache.refresh();
    await cache.refresh();
    expect(changed).toEqual([[expiring.id]]);
    expect(cache.authorizedEntry(AGENT, expiring.id)).toBeUndefined();
    expect(spiffeIds(cache.authorizedEntries(AGENT))).toEqual(agentEntries);
  });
});
