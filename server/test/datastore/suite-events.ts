import { newEntry, rejection, sels, type SuiteContext } from './fixtures';

const AGENT = 'spiffe://example.org/spire/agent/join_token/t1';

/** Entry and node events written in the same transaction as each change. */
export function eventTests(ctx: SuiteContext): void {
  const ds = () => ctx.ds();
  const node = {
    spiffeId: AGENT,
    attestationDataType: 'join_token',
    certSerialNumber: '1',
    certNotAfter: 1_800_000_000,
    newCertSerialNumber: '',
    newCertNotAfter: 0,
    canReattest: false,
  };

  test('create, update and delete of an entry each write one entry event', async () => {
    const e = await ds().createEntry(newEntry());
    await ds().updateEntry({ ...e, hint: 'x' }, { hint: true });
    await ds().deleteEntry(e.id);
    const events = await ds().listEntryEventsAfter(0);
    expect(events.map((ev) => ev.entryId)).toEqual([e.id, e.id, e.id]);
    expect(events.every((ev) => ev.createdAt === 1_700_000_000)).toBe(true);
    const ids = events.map((ev) => ev.eventId);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect((await ds().latestEventIds()).entry).toBe(ids[2]);
    expect(await ds().listEntryEventsAfter(ids[0] as number)).toEqual(events.slice(1));
    expect(await ds().listEntryEventsAfter(0, 2)).toEqual(events.slice(0, 2));
  });

  test('a batch writes one event per created entry and none for failed items', async () => {
    const results = await ds().createEntries([
      newEntry({ spiffeId: 'spiffe://example.org/a' }),
      newEntry({ spiffeId: 'spiffe://example.org/b', selectors: [] }),
      newEntry({ spiffeId: 'spiffe://example.org/c' }),
    ]);
    const created = results.flatMap((r) => (r.ok ? [r.entry.id] : []));
    expect((await ds().listEntryEventsAfter(0)).map((ev) => ev.entryId)).toEqual(created);
  });

  test('failed writes leave no event', async () => {
    const e = await ds().createEntry(newEntry());
    const before = await ds().latestEventIds();
    await rejection(ds().createEntry(newEntry()));
    await rejection(ds().updateEntry({ ...e, selectors: [] }));
    await rejection(ds().deleteEntry('absent'));
    await rejection(ds().updateNode(node));
    expect(await ds().latestEventIds()).toEqual(before);
  });

  test('node create, update, selector change and delete each write one node event', async () => {
    await ds().createNode({ ...node, selectors: sels('a:1') });
    await ds().updateNode({ ...node, certSerialNumber: '2' }, { certSerialNumber: true });
    await ds().setNodeSelectors(AGENT, sels('b:1'));
    await ds().deleteNode(AGENT);
    const events = await ds().listNodeEventsAfter(0);
    expect(events.map((ev) => ev.spiffeId)).toEqual([AGENT, AGENT, AGENT, AGENT]);
    expect((await ds().latestEventIds()).node).toBe(events[3]?.eventId);
    expect(await ds().listNodeEventsAfter(events[1]?.eventId as number)).toEqual(events.slice(2));
  });

  test('pruneEvents drops events older than the cut-off only', async () => {
    await ds().createEntry(newEntry({ spiffeId: 'spiffe://example.org/old' }));
    await ds().createNode(node);
    ctx.setNowMs(1_700_000_100_000);
    const fresh = await ds().createEntry(newEntry({ spiffeId: 'spiffe://example.org/new' }));
    expect(await ds().pruneEvents(1_700_000_050)).toEqual({ entry: 1, node: 1 });
    expect((await ds().listEntryEventsAfter(0)).map((ev) => ev.entryId)).toEqual([fresh.id]);
    expect(await ds().listNodeEventsAfter(0)).toEqual([]);
    expect((await ds().latestEventIds()).entry).toBeGreaterThan(0);
  });
}
