import { verify } from 'node:crypto';
import { JwtBundle, JwtSvid, TrustDomain } from '@lanyard/spiffe';
import { InvalidArgumentError } from '@lanyard/base';
import { ManualClock, cleanupDirs, openCa } from './helpers';
import type { ServerCa } from '../../src/ca';

afterAll(cleanupDirs);

function decode(token: string): {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  parts: string[];
} {
  const parts = token.split('.');
  const json = (s: string): Record<string, unknown> =>
    JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  return { header: json(parts[0]), claims: json(parts[1]), parts };
}

function verifyWithBundle(ca: ServerCa, token: string): boolean {
  const { header, parts } = decode(token);
  const key = ca.bundleContents().jwtAuthorities.get(String(header.kid));
  if (!key) return false;
  const data = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2], 'base64url');
  if (header.alg === 'RS256') return verify('sha256', data, key, signature);
  const hash = header.alg === 'ES384' ? 'sha384' : 'sha256';
  return verify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
}

describe('JWT-SVID minting', () => {
  const clock = new ManualClock();
  let ca: ServerCa;
  beforeAll(async () => {
    ca = await openCa({
      now: clock.now,
      jwtIssuer: 'https://oidc.example.org',
      defaultJwtSvidTtlSeconds: 300,
    });
  });

  it('signs ES256 with kid/typ headers and verifies against the published JWT authority', () => {
    const result = ca.signJwtSvid({ spiffeId: 'spiffe://example.org/w', audience: ['svc-a'] });
    const { header, claims } = decode(result.token);
    expect(header).toEqual({ alg: 'ES256', kid: ca.getJwtAuthorityState().active?.authorityId, typ: 'JWT' });
    expect(header.kid).toMatch(/^[a-zA-Z0-9]{32}$/);
    expect(claims).toEqual({
      aud: 'svc-a',
      exp: clock.ms / 1000 + 300,
      iat: clock.ms / 1000,
      iss: 'https://oidc.example.org',
      sub: 'spiffe://example.org/w',
    });
    expect(result.expiresAt).toBe(clock.ms / 1000 + 300);
    expect(verifyWithBundle(ca, result.token)).toBe(true);
  });

  it('fails verification when the payload is altered', () => {
    const { parts } = decode(ca.signJwtSvid({ spiffeId: 'spiffe://example.org/w', audience: ['a'] }).token);
    const forged = Buffer.from(
      JSON.stringify({ sub: 'spiffe://example.org/admin', aud: ['a'], exp: 1, iat: 1 }),
    ).toString('base64url');
    expect(verifyWithBundle(ca, `${parts[0]}.${forged}.${parts[2]}`)).toBe(false);
  });

  it('drops empty audiences, requires one, adds jti on request', () => {
    const { claims } = decode(
      ca.signJwtSvid({ spiffeId: 'spiffe://example.org/w', audience: ['', 'b'], includeJti: true }).token,
    );
    expect(claims.aud).toBe('b');
    const two = decode(ca.signJwtSvid({ spiffeId: 'spiffe://example.org/w', audience: ['a', 'b'] }).token);
    expect(two.claims.aud).toEqual(['a', 'b']);
    expect(claims.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(() => ca.signJwtSvid({ spiffeId: 'spiffe://example.org/w', audience: [''] })).toThrow(
      new InvalidArgumentError('at least one audience is required'),
    );
  });

  it('caps exp at the JWT key expiry', () => {
    const result = ca.signJwtSvid({
      spiffeId: 'spiffe://example.org/w',
      audience: ['a'],
      ttlSeconds: 10 * 86_400,
    });
    expect(result.expiresAt).toBe(ca.getJwtAuthorityState().active?.expiresAt);
  });

  it('signs RS256 with an RSA JWT key and ES384 with a P-384 key', async () => {
    const rsa = await openCa({ jwtKeyType: 'rsa-2048' });
    const rsaToken = rsa.signJwtSvid({ spiffeId: 'spiffe://example.org/w', audience: ['a'] }).token;
    expect(decode(rsaToken).header.alg).toBe('RS256');
    expect(verifyWithBundle(rsa, rsaToken)).toBe(true);
    const p384 = await openCa({ caKeyType: 'ec-p384' });
    const esToken = p384.signJwtSvid({ spiffeId: 'spiffe://example.org/w', audience: ['a'] }).token;
    expect(decode(esToken).header.alg).toBe('ES384');
    expect(verifyWithBundle(p384, esToken)).toBe(true);
  });

  it('validates with @lanyard/spiffe JwtSvid.parseAndValidate against the JWT authorities of bundleContents()', () => {
    const td = TrustDomain.parse('example.org');
    const bundle = new JwtBundle(td, ca.bundleContents().jwtAuthorities);
    const { token } = ca.signJwtSvid({ spiffeId: 'spiffe://example.org/w', audience: ['svc-a'] });
    const svid = JwtSvid.parseAndValidate(token, { bundles: bundle, audience: ['svc-a'], now: clock.ms });
    expect(svid.id.toString()).toBe('spiffe://example.org/w');
    expect(() =>
      JwtSvid.parseAndValidate(token, { bundles: bundle, audience: ['other'], now: clock.ms }),
    ).toThrow();
  });

  it('omits iss when jwt_issuer is not set', async () => {
    const plain = await openCa();
    expect(
      decode(plain.signJwtSvid({ spiffeId: 'spiffe://example.org/w', audience: ['a'] }).token).claims.iss,
    ).toBeUndefined();
  });
});
