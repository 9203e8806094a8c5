import { EntryIndex } from '../../src/manager/cache/entry-index';
import { flatSpiffeId, MAX_SHARED_STRINGS, sharedString } from '../../src/manager/entry-strings';
import { makeEntry } from '../workload-fixtures';

const ids = (entries: readonly { entryId: string }[]) => entries.map((e) => e.entryId);

test('EntryIndex matches through selectors held by one entry, then several, then one again', () => {
  const index = new EntryIndex();
  index.put(makeEntry('a', 'spiffe://example.org/a', ['k8s:ns:x', 'k8s:sa:a']));
  expect(ids(index.match(new Set(['k8s:ns:x', 'k8s:sa:a'])))).toEqual(['a']);
  index.put(makeEntry('b', 'spiffe://example.org/b', ['k8s:ns:x', 'k8s:sa:b']));
  index.put(makeEntry('c', 'spiffe://example.org/c', ['k8s:ns:x']));
  expect(ids(index.match(new Set(['k8s:ns:x', 'k8s:sa:a', 'k8s:sa:b'])))).toEqual(['a', 'b', 'c']);
  expect(index.remove('b')).toBe(true);
  expect(index.remove('c')).toBe(true);
  expect(ids(index.match(new Set(['k8s:ns:x', 'k8s:sa:a', 'k8s:sa:b'])))).toEqual(['a']);
  expect(ids(index.match(new Set(['k8s:ns:x'])))).toEqual([]); // a also needs k8s:sa:a
  index.put(makeEntry('a', 'spiffe://example.org/a', ['k8s:sa:b'])); // replaced: old selectors go
  expect(ids(index.match(new Set(['k8s:ns:x', 'k8s:sa:a'])))).toEqual([]);
  expect(ids(index.match(new Set(['k8s:sa:b'])))).toEqual(['a']);
  expect(index.remove('a')).toBe(true);
  expect(index.size).toBe(0);
  expect(ids(index.match(new Set(['k8s:sa:b'])))).toEqual([]);
});

test('flatSpiffeId checks like SpiffeId and gives the same text; sharedString returns the value it is given, also past its bound', () => {
  expect(flatSpiffeId('example.org', '/ns/prod/sa/web')).toBe('spiffe://example.org/ns/prod/sa/web');
  expect(flatSpiffeId('example.org', '')).toBe('spiffe://example.org');
  expect(() => flatSpiffeId('example.org', 'no-slash')).toThrow();
  expect(() => flatSpiffeId('Bad Domain', '/a')).toThrow();
  const first = sharedString(['k8s', 'psat'].join('_'));
  expect(sharedString(['k8s', 'psat'].join('_'))).toBe(first);
  for (let i = 0; i < MAX_SHARED_STRINGS + 10; i++) expect(sharedString(`value-${i}`)).toBe(`value-${i}`);
});
