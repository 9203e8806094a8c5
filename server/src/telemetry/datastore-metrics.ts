/**
 * SPIRE's datastore metrics: every DataStore call is a timed call `datastore_<object>_<operation>{status}` with
 * an `…_elapsed_time` summary in ms (e.g. `spire_server_datastore_registration_entry_create`). Calls SPIRE
 * does not time (close, the event cursor) pass through unmeasured.
 */
import { codeName } from '@lanyard/base/grpc';
import type { Metrics } from '@lanyard/common';
import type { DataStore } from '../datastore';

const ENTRY = ['datastore', 'registration_entry'];
const NODE = ['datastore', 'node'];
const SELECTORS = ['datastore', 'node', 'selectors'];
const TOKEN = ['datastore', 'join_token'];
const BUNDLE = ['datastore', 'bundle'];
const RELATIONSHIP = ['datastore', 'federation_relationship'];

/** DataStore method → metric keys (two for `pruneEvents`, which prunes both event tables at once). */
const CALL_KEYS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  createEntry: [[...ENTRY, 'create']],
  createOrReturnEntry: [[...ENTRY, 'create']],
  createEntries: [[...ENTRY, 'create']],
  getEntry: [[...ENTRY, 'fetch']],
  getEntries: [[...ENTRY, 'fetch']],
  listEntries: [[...ENTRY, 'list']],
  scanEntriesForCache: [[...ENTRY, 'list']],
  countEntries: [[...ENTRY, 'count']],
  updateEntry: [[...ENTRY, 'update']],
  deleteEntry: [[...ENTRY, 'delete']],
  createNode: [[...NODE, 'create']],
  getNode: [[...NODE, 'fetch']],
  isAttested: [[...NODE, 'fetch']],
  listNodes: [[...NODE, 'list']],
  countNodes: [[...NODE, 'count']],
  updateNode: [[...NODE, 'update']],
  deleteNode: [[...NODE, 'delete']],
  setNodeSelectors: [[...SELECTORS, 'set']],
  getNodeSelectors: [[...SELECTORS, 'fetch']],
  listNodeSelectors: [[...SELECTORS, 'list']],
  createJoinToken: [[...TOKEN, 'create']],
  getJoinToken: [[...TOKEN, 'fetch']],
  consumeJoinToken: [[...TOKEN, 'delete']],
  pruneJoinTokens: [[...TOKEN, 'prune']],
  createBundle: [[...BUNDLE, 'create']],
  getBundle: [[...BUNDLE, 'fetch']],
  listBundles: [[...BUNDLE, 'list']],
  countBundles: [[...BUNDLE, 'count']],
  updateBundle: [[...BUNDLE, 'update']],
  setBundle: [[...BUNDLE, 'set']],
  appendBundle: [[...BUNDLE, 'append']],
  deleteBundle: [[...BUNDLE, 'delete']],
  pruneBundle: [[...BUNDLE, 'prune']],
  taintJwtAuthority: [[...BUNDLE, 'jwt', 'taint']],
  revokeJwtAuthority: [[...BUNDLE, 'jwt', 'revoke']],
  createFederationRelationship: [[...RELATIONSHIP, 'create']],
  getFederationRelationship: [[...RELATIONSHIP, 'fetch']],
  listFederationRelationships: [[...RELATIONSHIP, 'list']],
  updateFederationRelationship: [[...RELATIONSHIP, 'update']],
  deleteFederationRelationship: [[...RELATIONSHIP, 'delete']],
  listEntryEventsAfter: [['datastore', 'registration_entry_event', 'list']],
  listNodeEventsAfter: [['datastore', 'node_event', 'list']],
  pruneEvents: [
    ['datastore', 'registration_entry_event', 'prune'],
    ['datastore', 'node_event', 'prune'],
  ],
};

/** The gRPC status name SPIRE's call counters label a result with. */
function statusOf(err: unknown): string {
  const code = (err as { grpcStatus?: number } | undefined)?.grpcStatus;
  return typeof code === 'number' ? codeName(code) : 'Unknown';
}

function timed<T>(
  metrics: Metrics,
  keys: readonly (readonly string[])[],
  call: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  const record = (status: string) => {
    const elapsed = performance.now() - started;
    for (const key of keys) metrics.measureCall(key, status, elapsed);
  };
  return call().then(
    (value) => {
      record('OK');
      return value;
    },
    (err: unknown) => {
      record(statusOf(err));
      throw err;
    },
  );
}

/** Wraps `datastore` so each call records SPIRE's datastore call metrics in `metrics`. */
export function withDatastoreMetrics(datastore: DataStore, metrics: Metrics): DataStore {
  return new Proxy(datastore, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      const keys = typeof property === 'string' ? CALL_KEYS[property] : undefined;
      if (keys === undefined || typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        timed(metrics, keys, () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
    },
  });
}
