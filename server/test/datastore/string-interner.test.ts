import { StringInterner } from '../../src/datastore/sql/string-interner';

describe('StringInterner', () => {
  it('returns equal strings and holds each distinct one once', () => {
    const intern = new StringInterner();
    const built = ['spiffe://example.org/a', 'spiffe://example.org/a', 'k8s', 'k8s'].map((s) => intern.of(s));
    expect(built).toEqual(['spiffe://example.org/a', 'spiffe://example.org/a', 'k8s', 'k8s']);
    expect(intern.size).toBe(2);
  });

  it('stops holding new strings at its capacity but still answers them', () => {
    const intern = new StringInterner(2);
    expect(['a', 'b', 'c', 'a', 'c'].map((s) => intern.of(s))).toEqual(['a', 'b', 'c', 'a', 'c']);
    expect(intern.size).toBe(2);
  });
});
