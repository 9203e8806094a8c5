import { MultiMap } from '../../src/authorized-entries/multi-map';

const a = { name: 'a' };
const b = { name: 'b' };
const c = { name: 'c' };

describe('MultiMap', () => {
  it('keeps one value, then several, then one again, and forgets an emptied key', () => {
    const map = new MultiMap<string, { name: string }>();
    map.add('k', a);
    expect([...map.get('k')]).toEqual([a]);
    expect(map.count('k')).toBe(1);
    map.add('k', b);
    map.add('k', c);
    expect([...map.get('k')]).toEqual([a, b, c]);
    expect(map.count('k')).toBe(3);
    map.delete('k', b);
    map.delete('k', a);
    expect([...map.get('k')]).toEqual([c]);
    expect(map.count('k')).toBe(1);
    map.delete('k', c);
    expect([...map.get('k')]).toEqual([]);
    expect(map.count('k')).toBe(0);
    expect(map.keyCount).toBe(0);
  });

  it('adds a value once and ignores deleting what is not there', () => {
    const map = new MultiMap<string, { name: string }>();
    map.add('k', a);
    map.add('k', a);
    expect(map.count('k')).toBe(1);
    map.delete('k', b);
    map.delete('other', a);
    expect([...map.get('k')]).toEqual([a]);
    map.add('k', b);
    map.add('k', b);
    map.delete('k', c);
    expect(map.count('k')).toBe(2);
    map.add('j', c);
    expect(map.keyCount).toBe(2);
  });
});
