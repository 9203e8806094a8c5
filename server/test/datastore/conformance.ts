import { openDataStore, type DataStore, type DataStoreOptions } from '../../src/datastore';
import { bundleTests } from './suite-bundles';
import { entryFilterTests } from './suite-entry-filters';
import { entryTests } from './suite-entries';
import { eventTests } from './suite-events';
import { federationTests } from './suite-federation';
import type { SuiteContext } from './fixtures';
import { nodeTests } from './suite-nodes';

/** A backend under test: hands out empty databases and cleans them up. */
export interface Backend {
  /** Options opening a new, empty database. */
  newDatabase(): Promise<Omit<DataStoreOptions, 'now' | 'logger'>>;
  /** Whether two stores in one process can write the same database concurrently. */
  readonly multiConnection: boolean;
  /** Removes every database it handed out. */
  cleanup(): Promise<void>;
}

/** The one conformance suite: every behaviour of the DataStore, run identically on each backend. */
export function describeConformance(backend: Backend): void {
  let options: Omit<DataStoreOptions, 'now' | 'logger'>;
  let store: DataStore | undefined;
  let extra: DataStore[] = [];
  let nowMs = 1_700_000_000_000;
  let messages: string[] = [];
  const open = (): Promise<DataStore> =>
    openDataStore({
      ...options,
      now: () => nowMs,
      logger: {
        debug: () => undefined,
        info: (m) => messages.push(m),
        warn: (m) => messages.push(m),
        error: (m) => messages.push(m),
      },
    });
  const ctx: SuiteContext = {
    multiConnection: backend.multiConnection,
    ds: () => {
      if (store === undefined) throw new Error('no store open');
      return store;
    },
    reopen: async () => {
      await store?.close();
      messages = [];
      store = await open();
      return store;
    },
    openAnother: async () => {
      const another = await open();
      extra.push(another);
      return another;
    },
    nowMs: () => nowMs,
    setNowMs: (ms) => {
      nowMs = ms;
    },
    logs: () => messages,
  };

  beforeEach(async () => {
    nowMs = 1_700_000_000_000;
    messages = [];
    options = await backend.newDatabase();
    store = await open();
  });
  afterEach(async () => {
    for (const another of extra) await another.close();
    extra = [];
    await store?.close();
    store = undefined;
  });
  afterAll(() => backend.cleanup());

  describe('entries', () => entryTests(ctx));
  describe('entry filters and paging', () => entryFilterTests(ctx));
  describe('events', () => eventTests(ctx));
  describe('attested nodes and join tokens', () => nodeTests(ctx));
  describe('bundles', () => bundleTests(ctx));
  describe('federation relationships and migrations', () => federationTests(ctx));
}
