import { SpiffeId, SpiffeIdError, SpiffeIdRule, TrustDomain } from '@lanyard/spiffe';
import { SpiffeError } from '../src';

/** Runs `fn` and returns the SpiffeIdError it throws (fails the test if it throws nothing else). */
function ruleOf(fn: () => unknown): SpiffeIdRule {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SpiffeIdError);
    expect(err).toBeInstanceOf(SpiffeError);
    return (err as SpiffeIdError).rule;
  }
  throw new Error('expected a SpiffeIdError');
}

// SPIFFE.md §1.3 examples 1-12 plus extra tricky valid inputs.
const VALID: Array<[string, string, string]> = [
  ['spiffe://example.org', 'example.org', ''],
  ['spiffe://example.org/ns/prod/sa/web', 'example.org', '/ns/prod/sa/web'],
  ['spiffe://example.org/Billing/API_v2', 'example.org', '/Billing/API_v2'],
  ['spiffe://my_td-1.example/x', 'my_td-1.example', '/x'],
  ['spiffe://10.0.0.1/svc', '10.0.0.1', '/svc'],
  ['spiffe://example.org/.hidden', 'example.org', '/.hidden'],
  ['spiffe://example.org/..x', 'example.org', '/..x'],
  ['spiffe://example.org/...', 'example.org', '/...'],
  ['spiffe://a/b', 'a', '/b'],
  [
    'spiffe://corp.test/3f1c0a52-7d4e-4b8a-9c21-5e6f7a8b9c0d',
    'corp.test',
    '/3f1c0a52-7d4e-4b8a-9c21-5e6f7a8b9c0d',
  ],
  [
    'spiffe://prod.acme-corp.internal/region/eu-west-1/web',
    'prod.acme-corp.internal',
    '/region/eu-west-1/web',
  ],
  ['spiffe://example.org/a.b/c-d/e_f/0', 'example.org', '/a.b/c-d/e_f/0'],
  ['spiffe://a..b/x', 'a..b', '/x'],
  ['spiffe://example.org./x', 'example.org.', '/x'],
  ['spiffe://_/-', '_', '/-'],
];

// SPIFFE.md §1.3 examples 13-46 plus more.
const INVALID: Array<[string, SpiffeIdRule]> = [
  ['', 'empty'],
  ['example.org/foo', 'scheme'],
  ['SPIFFE://example.org/foo', 'scheme'],
  ['Spiffe://example.org/foo', 'scheme'],
  ['spiffe:/example.org/foo', 'scheme'],
  ['spiffe:example.org/foo', 'scheme'],
  ['https://example.org/foo', 'scheme'],
  [' spiffe://example.org/foo', 'scheme'],
  ['spiffe', 'scheme'],
  ['spiffe://', 'td-missing'],
  ['spiffe:///foo', 'td-missing'],
  ['spiffe://Example.org/foo', 'td-char'],
  ['spiffe://EXAMPLE.ORG', 'td-char'],
  ['spiffe://example.org:8443/foo', 'td-char'],
  ['spiffe://user@example.org/foo', 'td-char'],
  ['spiffe://[::1]/foo', 'td-char'],
  ['spiffe://exa%6Dple.org/foo', 'td-char'],
  ['spiffe://example.org?x=1', 'td-char'],
  ['spiffe://example.org#frag', 'td-char'],
  ['spiffe://exa$mple.org/x', 'td-char'],
  ['spiffe://exämple.org/x', 'td-char'],
  ['spiffe://example.org /x', 'td-char'],
  ['spiffe://example.org\n', 'td-char'],
  ['spiffe://example.org/', 'trailing-slash'],
  ['spiffe://example.org/foo/', 'trailing-slash'],
  ['spiffe://example.org//foo', 'empty-segment'],
  ['spiffe://example.org/foo//bar', 'empty-segment'],
  ['spiffe://example.org//', 'empty-segment'],
  ['spiffe://example.org/.', 'dot-segment'],
  ['spiffe://example.org/..', 'dot-segment'],
  ['spiffe://example.org/foo/./bar', 'dot-segment'],
  ['spiffe://example.org/foo/../bar', 'dot-segment'],
  ['spiffe://example.org/./', 'dot-segment'],
  ['spiffe://example.org/foo/..', 'dot-segment'],
  ['spiffe://example.org/foo%20bar', 'path-char'],
  ['spiffe://example.org/foo?x=1', 'path-char'],
  ['spiffe://example.org/foo#frag', 'path-char'],
  ['spiffe://example.org/café', 'path-char'],
  ['spiffe://example.org/foo bar', 'path-char'],
  ['spiffe://example.org/foo:bar', 'path-char'],
  ['spiffe://example.org/a/b$/', 'path-char'],
  ['spiffe://example.org/a\tb', 'path-char'],
  ['spiffe://example.org/a~b', 'path-char'],
  ['spiffe://example.org/a@b', 'path-char'],
  ['spiffe://example.org/😀', 'path-char'],
];

describe('SpiffeId.parse', () => {
  it.each(VALID)('accepts %j', (input, td, path) => {
    const id = SpiffeId.parse(input);
    expect(id.trustDomain.name).toBe(td);
    expect(id.path).toBe(path);
    expect(id.toString()).toBe(input);
    expect(id.isTrustDomainId()).toBe(path === '');
  });

  it.each(INVALID)('rejects %j with rule %s', (input, rule) => {
    expect(ruleOf(() => SpiffeId.parse(input))).toBe(rule);
  });

  it('carries a code and a lower-case message naming the input and the offending character', () => {
    try {
      SpiffeId.parse('spiffe://example.org:8443/foo');
      throw new Error('unreachable');
    } catch (err) {
      const e = err as SpiffeIdError;
      expect(e.code).toBe('ERR_SPIFFE_ID_TD_CHAR');
      expect(e.message).toContain('"spiffe://example.org:8443/foo"');
      expect(e.message).toContain('":" at offset 20');
      expect(e.name).toBe('SpiffeIdError');
    }
  });

  it('accepts long IDs when parsing (no cap) but refuses to issue IDs over 2048 bytes', () => {
    const long = 'spiffe://example.org/' + 'a'.repeat(3000);
    const id = SpiffeId.parse(long);
    expect(ruleOf(() => id.assertIssuable())).toBe('too-long');
    const limit = 'spiffe://example.org/' + 'a'.repeat(2048 - 'spiffe://example.org/'.length);
    expect(() => SpiffeId.parse(limit).assertIssuable()).not.toThrow();
  });

  it('refuses to issue IDs whose trust domain has empty labels', () => {
    expect(ruleOf(() => SpiffeId.parse('spiffe://a..b/x').assertIssuable())).toBe('td-label');
    expect(ruleOf(() => SpiffeId.parse('spiffe://example.org./x').assertIssuable())).toBe('td-label');
    expect(ruleOf(() => SpiffeId.parse('spiffe://.example.org/x').assertIssuable())).toBe('td-label');
  });

  it('compares byte-exactly (path case matters) and serialises to JSON as a string', () => {
    const a = SpiffeId.parse('spiffe://example.org/Web');
    expect(a.equals(SpiffeId.parse('spiffe://example.org/Web'))).toBe(true);
    expect(a.equals(SpiffeId.parse('spiffe://example.org/web'))).toBe(false);
    expect(JSON.stringify({ id: a })).toBe('{"id":"spiffe://example.org/Web"}');
  });
});

describe('SpiffeId builders', () => {
  const td = TrustDomain.parse('example.org');

  it('fromPath accepts an empty path and slash-led paths', () => {
    expect(SpiffeId.fromPath(td, '').toString()).toBe('spiffe://example.org');
    expect(SpiffeId.fromPath(td, '/a/b').toString()).toBe('spiffe://example.org/a/b');
  });

  it.each<[string, SpiffeIdRule]>([
    ['a/b', 'leading-slash'],
    ['/', 'trailing-slash'],
    ['/a/', 'trailing-slash'],
    ['//a', 'empty-segment'],
    ['/a/../b', 'dot-segment'],
    ['/a%2fb', 'path-char'],
  ])('fromPath rejects %j with rule %s', (path, rule) => {
    expect(ruleOf(() => SpiffeId.fromPath(td, path))).toBe(rule);
  });

  it('fromSegments joins segments and validates each one', () => {
    expect(SpiffeId.fromSegments(td, 'ns', 'prod', 'sa', 'web').path).toBe('/ns/prod/sa/web');
    expect(SpiffeId.fromSegments(td).toString()).toBe('spiffe://example.org');
    expect(ruleOf(() => SpiffeId.fromSegments(td, 'a', ''))).toBe('empty-segment');
    expect(ruleOf(() => SpiffeId.fromSegments(td, 'a/b'))).toBe('path-char');
    expect(ruleOf(() => SpiffeId.fromSegments(td, '..'))).toBe('dot-segment');
    expect(ruleOf(() => SpiffeId.fromSegments(td, 'a b'))).toBe('path-char');
  });

  it('forTrustDomain and memberOf', () => {
    const tdId = SpiffeId.forTrustDomain(td);
    expect(tdId.toString()).toBe('spiffe://example.org');
    expect(SpiffeId.parse('spiffe://example.org/x').memberOf(td)).toBe(true);
    expect(SpiffeId.parse('spiffe://example.com/x').memberOf(td)).toBe(false);
    expect(SpiffeId.parse('spiffe://sub.example.org/x').memberOf(td)).toBe(false);
  });
});

describe('TrustDomain', () => {
  it.each([
    ['example.org', 'example.org'],
    ['spiffe://example.org', 'example.org'],
    ['spiffe://example.org/ns/web', 'example.org'],
    ['10.0.0.1', '10.0.0.1'],
  ])('parses %j', (input, name) => {
    const td = TrustDomain.parse(input);
    expect(td.name).toBe(name);
    expect(td.toString()).toBe(name);
    expect(td.idString()).toBe(`spiffe://${name}`);
  });

  it.each<[string, SpiffeIdRule]>([
    ['', 'td-missing'],
    ['Example.org', 'td-char'],
    ['example.org:443', 'td-char'],
    ['example.org/x', 'td-char'],
    ['spiffe://', 'td-missing'],
    ['spiffe://Example.org', 'td-char'],
    ['SPIFFE://example.org', 'scheme'],
    ['https://example.org', 'scheme'],
    ['spiffe://example.org/', 'trailing-slash'],
    ['exämple', 'td-char'],
  ])('rejects %j with rule %s', (input, rule) => {
    expect(ruleOf(() => TrustDomain.parse(input))).toBe(rule);
  });

  it('equals and compare order by name', () => {
    const a = TrustDomain.parse('a.org');
    const b = TrustDomain.parse('b.org');
    expect(a.equals(TrustDomain.parse('spiffe://a.org'))).toBe(true);
    expect(a.equals(b)).toBe(false);
    expect([b, a].sort((x, y) => x.compare(y)).map(String)).toEqual(['a.org', 'b.org']);
    expect(a.compare(TrustDomain.parse('a.org'))).toBe(0);
  });

  it('assertConfigurable enforces 255 bytes and non-empty labels', () => {
    expect(ruleOf(() => TrustDomain.parse('a'.repeat(256)).assertConfigurable())).toBe('too-long');
    expect(() => TrustDomain.parse('a'.repeat(255)).assertConfigurable()).not.toThrow();
    expect(ruleOf(() => TrustDomain.parse('example.org.').assertConfigurable())).toBe('td-label');
  });
});
