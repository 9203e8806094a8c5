import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '@lanyard/base';
import type { MatchMode, NewAttestedNode, NodeFilter } from '../../src/datastore';
import { rejection, sels, type SuiteContext } from './fixtures';

const id = (n: string) => `spiffe://example.org/spire/agent/x/${n}`;

function node(name: string, overrides: Partial<NewAttestedNode> = {}): NewAttestedNode {
  return {
    spiffeId: id(name),
    attestationDataType: 'join_token',
    certSerialNumber: `serial-${name}`,
    certNotAfter: 1_800_000_000,
    newCertSerialNumber: '',
    newCertNotAfter: 0,
    canReattest: false,
    ...overrides,
  };
}

/** Attested nodes, node selectors and join tokens. */
export function nodeTests(ctx: SuiteContext): void {
  const ds = () => ctx.ds();
  const names = (nodes: { spiffeId: string }[]) => nodes.map((n) => n.spiffeId.split('/').pop()).sort();

  test('create and get a node with its selectors; banned is derived from empty serials', async () => {
    const created = await ds().createNode(
      node('a', { selectors: sels('b:2', 'a:1', 'a:1'), canReattest: true }),
    );
    expect(created).toEqual({
      ...node('a', { canReattest: true }),
      selectors: sels('a:1', 'b:2'),
      banned: false,
    });
    expect(await ds().getNode(id('a'))).toEqual(created);
    expect(await ds().getNode(id('none'))).toBeUndefined();
    const banned = await ds().updateNode(node('a', { certSerialNumber: '', newCertSerialNumber: '' }));
    expect(banned.banned).toBe(true);
    expect(await ds().isAttested(id('a'))).toBe(true);
    expect(await ds().isAttested(id('none'))).toBe(false);
  });

  test('creating an existing node is AlreadyExists; a missing SPIFFE ID is InvalidArgument', async () => {
    await ds().createNode(node('a'));
    expect(await rejection(ds().createNode(node('a')))).toBeInstanceOf(AlreadyExistsError);
    expect(await rejection(ds().createNode(node('b', { spiffeId: '' })))).toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(await ds().countNodes()).toBe(1);
  });

  test('update writes only masked fields; absent node is NotFound', async () => {
    await ds().createNode(node('a'));
    const updated = await ds().updateNode(
      node('a', {
        newCertSerialNumber: 'new',
        newCertNotAfter: 1_900_000_000,
        attestationDataType: 'ignored',
      }),
      { newCertSerialNumber: true, newCertNotAfter: true },
    );
    expect(updated).toMatchObject({
      attestationDataType: 'join_token',
      newCertSerialNumber: 'new',
      newCertNotAfter: 1_900_000_000,
    });
    expect(await rejection(ds().updateNode(node('zzz')))).toBeInstanceOf(NotFoundError);
  });

  test('agent_version is stored by a masked update only and kept by other updates', async () => {
    await ds().createNode(node('v'));
    expect((await ds().getNode(id('v')))?.agentVersion).toBeUndefined();
    await ds().updateNode(node('v', { agentVersion: '1.2.3', certSerialNumber: 'x' }), {
      agentVersion: true,
    });
    expect(await ds().getNode(id('v'))).toMatchObject({
      agentVersion: '1.2.3',
      certSerialNumber: 'serial-v',
    });
    await ds().updateNode(node('v', { certSerialNumber: 'y' }), { certSerialNumber: true });
    expect(await ds().getNode(id('v'))).toMatchObject({ agentVersion: '1.2.3', certSerialNumber: 'y' });
  });

  test('delete returns the node and drops its selectors; absent is NotFound', async () => {
    const created = await ds().createNode(node('a', { selectors: sels('a:1') }));
    expect(await ds().deleteNode(id('a'))).toEqual(created);
    expect(await ds().getNodeSelectors(id('a'))).toEqual([]);
    expect(await rejection(ds().deleteNode(id('a')))).toBeInstanceOf(NotFoundError);
  });

  test('filters by attestation type, banned, expiry and reattestability', async () => {
    await ds().createNode(
      node('a', { attestationDataType: 'aws_iid', canReattest: true, certNotAfter: 100 }),
    );
    await ds().createNode(node('b', { certSerialNumber: '', newCertSerialNumber: '' }));
    await ds().createNode(
      node('c', { certSerialNumber: '', newCertSerialNumber: 'renewed', certNotAfter: 200 }),
    );
    const list = async (f: NodeFilter) => names((await ds().listNodes(f)).items);
    expect(await list({ attestationType: 'aws_iid' })).toEqual(['a']);
    expect(await list({ banned: true })).toEqual(['b']);
    expect(await list({ banned: false })).toEqual(['a', 'c']);
    expect(await list({ expiresBefore: 201 })).toEqual(['a', 'c']);
    expect(await list({ canReattest: false, banned: false })).toEqual(['c']);
    expect(await ds().countNodes({ banned: false })).toBe(2);
    expect(await ds().countNodes()).toBe(3);
  });

  const selectorCases: [MatchMode, string[], string[]][] = [
    ['EXACT', ['r:1', 'z:1'], ['a']],
    ['SUBSET', ['r:1', 'z:1'], ['a', 'b']],
    ['SUPERSET', ['r:1'], ['a', 'b', 'c']],
    ['MATCH_ANY', ['q:1', 'z:1'], ['a', 'c']],
  ];
  test.each(selectorCases)('node selectors %s %j → %j', async (match, selectors, expected) => {
    await ds().createNode(node('a', { selectors: sels('r:1', 'z:1') }));
    await ds().createNode(node('b', { selectors: sels('r:1') }));
    await ds().createNode(node('c', { selectors: sels('r:1', 'q:1') }));
    await ds().createNode(node('d'));
    expect(
      names((await ds().listNodes({ selectors: { selectors: sels(...selectors), match } })).items),
    ).toEqual(expected);
  });

  test('node pages cover every node once, with selectors', async () => {
    for (const n of ['a', 'b', 'c', 'd', 'e']) await ds().createNode(node(n, { selectors: sels(`n:${n}`) }));
    const seen: string[] = [];
    let token = '';
    for (let i = 0; i < 10; i++) {
      const page = await ds().listNodes({}, { pageSize: 2, pageToken: token });
      for (const n of page.items) expect(n.selectors).toEqual(sels(`n:${n.spiffeId.split('/').pop()}`));
      seen.push(...names(page.items).map(String));
      token = page.nextPageToken;
      if (token === '') break;
    }
    expect(seen.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  test('node selectors can be set before the node exists, are replaced and listed', async () => {
    await ds().setNodeSelectors(id('pre'), sels('x:1', 'x:1', 'a:0'));
    expect(await ds().getNodeSelectors(id('pre'))).toEqual(sels('a:0', 'x:1'));
    await ds().setNodeSelectors(id('pre'), sels('y:2'));
    expect(await ds().getNodeSelectors(id('pre'))).toEqual(sels('y:2'));
    await ds().createNode(node('live', { selectors: sels('l:1'), certNotAfter: 2_000 }));
    await ds().createNode(node('dead', { selectors: sels('d:1'), certNotAfter: 1_000 }));
    const all = await ds().listNodeSelectors();
    expect(all.map((n) => n.spiffeId).sort()).toEqual([id('dead'), id('live'), id('pre')]);
    expect(await ds().listNodeSelectors({ validAt: 1_500 })).toEqual([
      { spiffeId: id('live'), selectors: sels('l:1') },
    ]);
    expect(await rejection(ds().setNodeSelectors(id('pre'), [{ type: 'a', value: '' }]))).toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(await ds().getNodeSelectors(id('pre'))).toEqual(sels('y:2'));
  });

  test('a join token is consumed once and reports its expiry', async () => {
    await ds().createJoinToken({ token: 'tok-1', expiresAt: 1_700_000_600 });
    expect(await ds().getJoinToken('tok-1')).toEqual({ token: 'tok-1', expiresAt: 1_700_000_600 });
    expect(await ds().consumeJoinToken('tok-1')).toEqual({ expiresAt: 1_700_000_600 });
    expect(await ds().consumeJoinToken('tok-1')).toBeUndefined();
    expect(await ds().getJoinToken('tok-1')).toBeUndefined();
    expect(await ds().consumeJoinToken('never')).toBeUndefined();
  });

  test('concurrent consumption of one token succeeds exactly once', async () => {
    await ds().createJoinToken({ token: 'race', expiresAt: 1_700_000_600 });
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => ds().consumeJoinToken('race')));
    expect(outcomes.filter((o) => o !== undefined)).toHaveLength(1);
  });

  test('duplicate join tokens are AlreadyExists; expired ones are pruned', async () => {
    await ds().createJoinToken({ token: 'old', expiresAt: 1_000 });
    await ds().createJoinToken({ token: 'new', expiresAt: 3_000 });
    expect(await rejection(ds().createJoinToken({ token: 'old', expiresAt: 5 }))).toBeInstanceOf(
      AlreadyExistsError,
    );
    expect(await rejection(ds().createJoinToken({ token: '', expiresAt: 5 }))).toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(await ds().pruneJoinTokens(2_000)).toBe(1);
    expect(await ds().getJoinToken('old')).toBeUndefined();
    expect(await ds().getJoinToken('new')).toBeDefined();
  });
}
