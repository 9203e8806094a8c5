import {
  SpiffeId,
  TrustDomain,
  authorizeAny,
  authorizeId,
  authorizeIf,
  authorizeMemberOf,
  authorizeOneOf,
} from '../src';
import { AuthorizationError } from '../src';

const web = SpiffeId.parse('spiffe://example.org/web');
const db = SpiffeId.parse('spiffe://example.org/db');
const foreign = SpiffeId.parse('spiffe://other.test/web');

function refusal(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AuthorizationError);
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('authorizers', () => {
  it('authorizeAny allows every authenticated peer', () => {
    expect(() => authorizeAny()(foreign)).not.toThrow();
  });

  it('authorizeId allows exactly one ID, given as object or string', () => {
    expect(() => authorizeId(web)(web)).not.toThrow();
    expect(() => authorizeId('spiffe://example.org/web')(web)).not.toThrow();
    expect(refusal(() => authorizeId(web)(db))).toBe(
      'peer "spiffe://example.org/db" is not authorized: expected "spiffe://example.org/web"',
    );
  });

  it('authorizeOneOf allows any listed ID', () => {
    const authorizer = authorizeOneOf(web, 'spiffe://example.org/db');
    expect(() => authorizer(db)).not.toThrow();
    expect(refusal(() => authorizer(foreign))).toMatch(
      /expected one of "spiffe:\/\/example.org\/web", "spiffe:\/\/example.org\/db"/,
    );
  });

  it('authorizeMemberOf allows any ID of a trust domain', () => {
    expect(() => authorizeMemberOf('example.org')(db)).not.toThrow();
    expect(refusal(() => authorizeMemberOf(TrustDomain.parse('example.org'))(foreign))).toMatch(
      /expected a member of trust domain "example.org"/,
    );
  });

  it('authorizeIf applies a predicate and explains refusals', () => {
    const authorizer = authorizeIf((id) => id.path.startsWith('/ns/prod/'), 'expected a prod workload');
    expect(() => authorizer(SpiffeId.parse('spiffe://example.org/ns/prod/api'))).not.toThrow();
    expect(refusal(() => authorizer(web))).toMatch(/expected a prod workload$/);
  });

  it('rejects a malformed expected ID when the authorizer is built', () => {
    expect(() => authorizeId('https://example.org/web')).toThrow();
  });
});
