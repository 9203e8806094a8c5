/**
 * The deltas an agent's EntryWatch pushes, against a real authorized-entry index: whatever sequence of
 * changes happens, the entries the agent has been told about equal the full walk of what it is authorized for,
 * and a change made of leaf entries is worked out without that walk.
 */
import { AgentWatch, type WatchResponse } from '../../src/api/entrywatch/agent-watch';
import type { AuthorizedView } from '../../src/api/entrywatch/held-entries';
import { AuthorizedEntryIndex } from '../../src/authorized-entries/authorized-entry-index';
import type { EntryCacheChange } from '../../src/authorized-entries/entry-cache';
import type { RegistrationEntry } from '../../src/datastore';
import { indexedEntry } from '../authorized-entries/indexed-entry';

const SERVER = 'spiffe://example.org/spire/server';
const AGENT = 'spiffe://example.org/spire/agent/join_token/a';
const OTHER = 'spiffe://example.org/spire/agent/join_token/b';
const NOW = 1_800_000_000;

function entry(
  spiffeId: string,
  parentId: string,
  extra: Partial<RegistrationEntry> = {},
): RegistrationEntry {
  return indexedEntry(spiffeId, parentId, extra.selectors, extra);
}

/** An index, one watch of AGENT over it, and what the agent has been told (applied as the agent applies it). */
class Fixture {
  readonly index = new AuthorizedEntryIndex(SERVER);
  readonly told = new Map<string, number>();
  walks = 0;
  private readonly watch: AgentWatch;

  constructor(initial: RegistrationEntry[] = []) {
    for (const e of initial) this.index.upsertEntry(e);
    const view: AuthorizedView = {
      authorizedEntries: (agentId) => {
        this.walks += 1;
        return this.index.authorizedEntries(agentId, NOW);
      },
      entry: (id) => this.index.getEntry(id),
      childCount: (spiffeId) => this.index.childCount(spiffeId),
      nowSeconds: () => NOW,
    };
    const sink = {
      write: (message: WatchResponse) => this.receive(message),
      onDrain: () => undefined,
      end: () => undefined,
    };
    this.watch = new AgentWatch(AGENT, SERVER, sink, null, { pageSize: 50, maxPushedEntries: 5000 }, view);
    for (const e of this.index.authorizedEntries(AGENT, NOW)) this.told.set(e.id, e.revisionNumber);
  }

  /** Applies a change to the index and tells the watch, as the hub does after a cache refresh. */
  change(upserts: RegistrationEntry[], removed: string[] = [], agentIds: string[] = []): void {
    for (const e of upserts) this.index.upsertEntry(e);
    for (const id of removed) this.index.removeEntry(id);
    const change: EntryCacheChange = {
      entryIds: new Set([...upserts.map((e) => e.id), ...removed]),
      agentIds: new Set(agentIds),
      reloaded: false,
    };
    if (this.watch.affectedBy(change, (id) => this.index.getEntry(id), SERVER))
      this.watch.entriesChanged(change);
  }

  expected(): Map<string, number> {
    return new Map(this.index.authorizedEntries(AGENT, NOW).map((e) => [e.id, e.revisionNumber]));
  }

  private receive(message: WatchResponse): boolean {
    if (message.resync) throw new Error('unexpected resync');
    for (const e of message.upserted) this.told.set(e.id as string, Number(e.revision_number));
    for (const id of message.removed_ids) this.told.delete(id);
    return true;
  }
}

describe('EntryWatch deltas', () => {
  it('pushes a new, changed or deleted leaf entry without walking every entry of the agent', () => {
    const leaves = Array.from({ length: 1000 }, (_, i) => entry(`spiffe://example.org/w/${i}`, AGENT));
    const f = new Fixture(leaves);
    const walksAtStart = f.walks;
    const added = entry('spiffe://example.org/w/new', AGENT);
    f.change([added]);
    f.change([{ ...leaves[3], revisionNumber: 1, selectors: [{ type: 'unix', value: 'uid:7' }] }]);
    f.change([], [leaves[5].id]);
    f.change([{ ...leaves[8], parentId: OTHER, revisionNumber: 1 }]);
    expect(f.walks).toBe(walksAtStart);
    expect(f.told).toEqual(f.expected());
    expect(f.told.has(added.id)).toBe(true);
    expect(f.told.has(leaves[5].id)).toBe(false);
    expect(f.told.has(leaves[8].id)).toBe(false);
    expect(f.told.get(leaves[3].id)).toBe(1);
  });

  it('walks again when a changed entry is a parent of others or a node alias, or the node selectors change', () => {
    const parent = entry('spiffe://example.org/ns/web', AGENT);
    const child = entry('spiffe://example.org/ns/web/sidecar', parent.spiffeId);
    const f = new Fixture([parent, child]);
    expect(f.told.has(child.id)).toBe(true);
    let walks = f.walks;
    f.change([], [parent.id]);
    expect(f.walks).toBe(walks + 1);
    expect(f.told.size).toBe(0);
    walks = f.walks;
    const alias = entry('spiffe://example.org/alias', SERVER, {
      selectors: [{ type: 'k8s_psat', value: 'cluster:c1' }],
    });
    f.change([alias]);
    expect(f.walks).toBe(walks + 1);
    walks = f.walks;
    f.index.setNodeSelectors(AGENT, [{ type: 'k8s_psat', value: 'cluster:c1' }]);
    f.change([], [], [AGENT]);
    expect(f.walks).toBe(walks + 1);
    expect(f.told).toEqual(f.expected());
    expect(f.told.has(alias.id)).toBe(true);
  });

  it('keeps the agent exactly in step with the full walk through a long random sequence of changes', () => {
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const f = new Fixture();
    f.index.setNodeSelectors(AGENT, [{ type: 'k8s_psat', value: 'cluster:c1' }]);
    f.change([], [], [AGENT]);
    const live: RegistrationEntry[] = [];
    const parents = (): string[] => [AGENT, OTHER, ...live.map((e) => e.spiffeId)];
    for (let step = 0; step < 600; step++) {
      const op = random(10);
      const target = live.length > 0 ? live[random(live.length)] : undefined;
      if (op < 4 || target === undefined) {
        const kind = random(8);
        const parentId = kind === 0 ? SERVER : parents()[random(parents().length)];
        const selectors = [
          { type: kind === 0 ? 'k8s_psat' : 'unix', value: kind === 0 ? 'cluster:c1' : 'uid:0' },
        ];
        const created = entry(`spiffe://example.org/s/${random(40)}`, parentId, { selectors });
        live.push(created);
        f.change([created]);
      } else if (op < 7) {
        const moved = {
          ...target,
          parentId: random(2) === 0 ? target.parentId : parents()[random(parents().length)],
          expiresAt: random(6) === 0 ? NOW - 1 : 0,
          revisionNumber: target.revisionNumber + 1,
        };
        live[live.indexOf(target)] = moved;
        f.change([moved]);
      } else {
        live.splice(live.indexOf(target), 1);
        f.change([], [target.id]);
      }
      expect(f.told).toEqual(f.expected());
    }
    expect(f.told.size).toBeGreaterThan(5);
  });
});
