import { AuthorizedEntryIndex } from '../../src/authorized-entries/authorized-entry-index';
import type { RegistrationEntry } from '../../src/datastore';
import { indexedEntry } from './indexed-entry';

const SERVER = 'spiffe://example.org/spire/server';
const AGENT = 'spiffe://example.org/spire/agent/k8s_psat/c1/node-1';

const entry = indexedEntry;

const ids = (entries: RegistrationEntry[]) => entries.map((e) => e.spiffeId).sort();

describe('AuthorizedEntryIndex', () => {
  it('authorizes entries under node aliases whose selectors are a subset of the node selectors', () => {
    const index = new AuthorizedEntryIndex(SERVER);
    index.upsertEntry(
      entry('spiffe://example.org/cluster/c1', SERVER, [{ type: 'k8s_psat', value: 'cluster:c1' }]),
    );
    index.upsertEntry(
      entry('spiffe://example.org/cluster/c1-prod', SERVER, [
        { type: 'k8s_psat', value: 'cluster:c1' },
        { type: 'k8s_psat', value: 'agent_ns:prod' },
      ]),
    );
    index.upsertEntry(entry('spiffe://example.org/web', 'spiffe://example.org/cluster/c1'));
    index.upsertEntry(entry('spiffe://example.org/prod-db', 'spiffe://example.org/cluster/c1-prod'));
    index.setNodeSelectors(AGENT, [{ type: 'k8s_psat', value: 'cluster:c1' }]);
    expect(ids(index.authorizedEntries(AGENT, 100))).toEqual([
      'spiffe://example.org/cluster/c1',
      'spiffe://example.org/web',
    ]);
    index.setNodeSelectors(AGENT, [
      { type: 'k8s_psat', value: 'cluster:c1' },
      { type: 'k8s_psat', value: 'agent_ns:prod' },
    ]);
    expect(ids(index.authorizedEntries(AGENT, 100))).toHaveLength(4);
  });

  it('follows parent chains transitively and survives cycles', () => {
    const index = new AuthorizedEntryIndex(SERVER);
    index.upsertEntry(entry('spiffe://example.org/a', AGENT));
    index.upsertEntry(entry('spiffe://example.org/b', 'spiffe://example.org/a'));
    index.upsertEntry(entry('spiffe://example.org/c', 'spiffe://example.org/b'));
    index.upsertEntry(
      entry('spiffe://example.org/a', 'spiffe://example.org/c', [{ type: 'x', value: 'loop' }]),
    );
    expect(ids(index.authorizedEntries(AGENT, 100))).toEqual([
      'spiffe://example.org/a',
      'spiffe://example.org/a',
      'spiffe://example.org/b',
      'spiffe://example.org/c',
    ]);
  });

  it('skips expired entries and forgets removed ones', () => {
    const index = new AuthorizedEntryIndex(SERVER);
    const live = entry('spiffe://example.org/live', AGENT);
    index.upsertEntry(live);
    index.upsertEntry(entry('spiffe://example.org/old', AGENT, undefined, { expiresAt: 50 }));
    expect(ids(index.authorizedEntries(AGENT, 100))).toEqual(['spiffe://example.org/live']);
    index.removeEntry(live.id);
    expect(index.authorizedEntries(AGENT, 100)).toEqual([]);
    expect(index.size).toBe(1);
  });

  it('re-indexes an entry whose parent or selectors change', () => {
    const index = new AuthorizedEntryIndex(SERVER);
    const alias = entry('spiffe://example.org/alias', SERVER, [{ type: 'aws_iid', value: 'tag:role:web' }]);
    index.upsertEntry(alias);
    index.setNodeSelectors(AGENT, [{ type: 'aws_iid', value: 'tag:role:web' }]);
    expect(index.authorizedEntries(AGENT, 100)).toHaveLength(1);
    index.upsertEntry({ ...alias, selectors: [{ type: 'aws_iid', value: 'tag:role:db' }] });
    expect(index.authorizedEntries(AGENT, 100)).toHaveLength(0);
    index.upsertEntry({ ...alias, parentId: AGENT });
    expect(index.authorizedEntries(AGENT, 100)).toHaveLength(1);
    expect(index.entriesForSpiffeId('spiffe://example.org/alias')).toHaveLength(1);
  });

  it('answers for one entry exactly as the full walk does, on random graphs with aliases, cycles and expiry', () => {
    let seed = 99;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const OTHER = 'spiffe://example.org/spire/agent/k8s_psat/c1/node-2';
    for (let graph = 0; graph < 40; graph++) {
      const index = new AuthorizedEntryIndex(SERVER);
      index.setNodeSelectors(AGENT, [{ type: 'k8s_psat', value: 'cluster:c1' }]);
      const names = Array.from({ length: 12 }, (_, i) => `spiffe://example.org/n${i}`);
      const parents = [AGENT, OTHER, SERVER, ...names];
      const all: RegistrationEntry[] = [];
      for (let i = 0; i < 30; i++) {
        const parentId = parents[random(parents.length)];
        const selectors =
          parentId === SERVER
            ? [{ type: 'k8s_psat', value: random(2) === 0 ? 'cluster:c1' : 'cluster:c2' }]
            : [{ type: 'unix', value: 'uid:0' }];
        const e = entry(names[random(names.length)], parentId, selectors, {
          expiresAt: random(5) === 0 ? 50 : 0,
        });
        index.upsertEntry(e);
        all.push(e);
      }
      const walked = new Set(index.authorizedEntries(AGENT, 100).map((e) => e.id));
      for (const e of all)
        expect([e.id, index.authorizedEntry(AGENT, e.id, 100) !== undefined]).toEqual([
          e.id,
          walked.has(e.id),
        ]);
      expect(index.authorizedEntry(AGENT, 'missing', 100)).toBeUndefined();
    }
  });
});
