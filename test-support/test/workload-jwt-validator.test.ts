import { TestJwtKey, type TestJwk } from '../src';
import { validateJwtForTestServer } from '../src/workload-jwt-validator';

const key = new TestJwtKey('k1', 'ec-p256');
const rsaKey = new TestJwtKey('k2', 'rsa-2048');
const bundles = new Map<string, TestJwk[]>([
  ['spiffe://example.org', [key.publicJwk('jwt-svid'), rsaKey.publicJwk('jwt-svid')]],
]);
const svid = (options: Partial<Parameters<TestJwtKey['signJwtSvid']>[0]> = {}, signer = key) =>
  signer.signJwtSvid({ spiffeId: 'spiffe://example.org/web', audience: 'db', ...options });

describe('validateJwtForTestServer', () => {
  it('accepts ES256 and RS256 JWT-SVIDs whose keys carry use "jwt-svid"', async () => {
    await expect(validateJwtForTestServer(svid(), 'db', bundles)).resolves.toMatchObject({
      ok: true,
      spiffeId: 'spiffe://example.org/web',
      claims: { aud: ['db'] },
    });
    await expect(validateJwtForTestServer(svid({}, rsaKey), 'db', bundles)).resolves.toMatchObject({
      ok: true,
    });
  });

  it.each([
    ['not a JWS', () => 'abc', /not a compact JWS/],
    ['alg none', () => svid({ header: { alg: 'none' } }), /unsupported token signature algorithm "none"/],
    ['no kid', () => svid({ header: { kid: undefined } }), /missing key id/],
    ['an unknown kid', () => svid({ header: { kid: 'zz' } }), /no JWT authority "zz"/],
    ['another trust domain', () => svid({ spiffeId: 'spiffe://other.org/web' }), /no JWT authority "k1"/],
    ['a foreign signature', () => svid({}, new TestJwtKey('k1')), /unable to verify token signature/],
    ['another audience', () => svid({ audience: 'web' }), /expected audience in \["web"\]/],
    ['an expired token', () => svid({ ttlSeconds: -61 }), /token has expired/],
    ['no exp', () => svid({ claims: { exp: undefined } }), /missing exp claim/],
  ])('refuses %s', async (_name, token, reason) => {
    const result = await validateJwtForTestServer(token(), 'db', bundles);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(reason);
  });
});
