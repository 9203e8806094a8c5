import { openDataStore, type DataStoreOptions } from '../../src/datastore';
import { newEntry, scanAll } from './fixtures';

/**
 * Seeds the `replica` database with one entry, opens `primary` with it as `roConnectionString`, writes another
 * entry, and checks that the entry cache reads (all entries, latest event IDs) see the replica while listing
 * sees the primary. Both databases are separate, so a read served by the wrong one shows.
 */
export async function expectReplicaReads(
  primary: DataStoreOptions,
  replica: DataStoreOptions,
): Promise<void> {
  const seed = await openDataStore(replica);
  await seed.createEntry(newEntry({ spiffeId: 'spiffe://example.org/on-replica' }));
  await seed.createEntry(newEntry({ spiffeId: 'spiffe://example.org/on-replica-2' }));
  await seed.close();
  const ds = await openDataStore({ ...primary, roConnectionString: replica.connectionString });
  try {
    await ds.createEntry(newEntry({ spiffeId: 'spiffe://example.org/on-primary' }));
    expect((await scanAll(ds)).map((e) => e.spiffeId)).toEqual([
      'spiffe://example.org/on-replica',
      'spiffe://example.org/on-replica-2',
    ]);
    expect((await ds.latestEventIds()).entry).toBe(2);
    expect((await ds.listEntries()).items.map((e) => e.spiffeId)).toEqual([
      'spiffe://example.org/on-primary',
    ]);
  } finally {
    await ds.close();
  }
}
