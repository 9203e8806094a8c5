/**
 * The managed-workloads client's own logic, without a server: JWT-SVID caching until half-life with one fetch for
 * concurrent callers, refresh timing, the answers it refuses, and that the subpath stays free of gRPC (a Lambda
 * cold start does not load it). The requests themselves are tested end to end against the real server
 * (e2e/test/managed-workloads.test.ts).
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { TestCa, TestJwtKey } from '@lanyard/test-support';
import { JwtSvid, SpiffeBundle, SpiffeId, TrustDomain, X509Svid } from '../src';
import { JwtSvidCache, jwtCacheKey, jwtHalfLife } from '../src/managed/jwt-cache';
import { parseJwtSvidsResponse, parseX509SvidsResponse } from '../src/managed/response';
import { bundleRefreshDelay, x509HalfLifeDelay } from '../src/managed/schedule';
import { ManagedWorkloadClient } from '../src/managed';

const ID = 'spiffe://example.org/lambda/orders';
const key = new TestJwtKey('k1');

function svid(nowSeconds: number, ttlSeconds: number, audience = 'a'): JwtSvid {
  return JwtSvid.parseInsecure(key.signJwtSvid({ spiffeId: ID, audience, nowSeconds, ttlSeconds }), {
    audience,
    now: nowSeconds * 1000,
  });
}

describe('JwtSvidCache', () => {
  it('serves the cached answer until half-life, then fetches again; concurrent callers share one fetch', async () => {
    const cache = new JwtSvidCache(10);
    const t0 = 1_800_000_000;
    let fetches = 0;
    const fetch = async (): Promise<JwtSvid[]> => {
      fetches += 1;
      return [svid(t0, 600)];
    };
    const [a, b] = await Promise.all([cache.get('k', fetch, t0 * 1000), cache.get('k', fetch, t0 * 1000)]);
    expect(a).toBe(b);
    expect(fetches).toBe(1);
    await cache.get('k', fetch, (t0 + 299) * 1000);
    expect(fetches).toBe(1);
    await cache.get('k', fetch, (t0 + 300) * 1000);
    expect(fetches).toBe(2);
    expect(jwtHalfLife([svid(t0, 600), svid(t0, 100)], 0)).toBe((t0 + 50) * 1000);
  });

  it('does not cache failures and evicts the oldest answer past its size', async () => {
    const cache = new JwtSvidCache(1);
    await expect(cache.get('x', () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    let fetches = 0;
    const fetch = async (): Promise<JwtSvid[]> => {
      fetches += 1;
      return [svid(Math.floor(Date.now() / 1000), 600)];
    };
    await cache.get('x', fetch);
    await cache.get('y', fetch);
    await cache.get('x', fetch);
    expect(fetches).toBe(3);
  });

  it('keys requests by their audience set and subject', () => {
    expect(jwtCacheKey({ audience: 'b', extraAudiences: ['a', 'b'] })).toBe(
      jwtCacheKey({ audience: 'a', extraAudiences: ['b'] }),
    );
    expect(jwtCacheKey({ audience: 'a', subject: SpiffeId.parse(ID) })).not.toBe(
      jwtCacheKey({ audience: 'a' }),
    );
  });
});

describe('refresh timing', () => {
  it('renews X.509-SVIDs at half of the shortest lifetime and bundles at their hint within 10 s … 1 h', () => {
    const ca = TestCa.create({ trustDomain: 'example.org' });
    const issued = ca.issueX509Svid({ spiffeId: ID });
    const leaf = X509Svid.parse(issued.chainDer, issued.privateKey);
    const notBefore = new Date(leaf.leaf.validFrom).getTime();
    const half = (leaf.expiresAt.getTime() - notBefore) / 2;
    expect(x509HalfLifeDelay([leaf], notBefore)).toBe(half);
    expect(x509HalfLifeDelay([leaf], leaf.expiresAt.getTime())).toBe(0);
    const td = TrustDomain.parse('example.org');
    expect(bundleRefreshDelay(new SpiffeBundle({ trustDomain: td, refreshHint: 1 }))).toBe(10_000);
    expect(bundleRefreshDelay(new SpiffeBundle({ trustDomain: td, refreshHint: 86_400 }))).toBe(3_600_000);
    expect(bundleRefreshDelay(new SpiffeBundle({ trustDomain: td }))).toBe(300_000);
  });
});

describe('answers the client refuses', () => {
  it('names a token for another audience or another identity than announced', () => {
    const token = key.signJwtSvid({ spiffeId: ID, audience: 'other' });
    expect(() => parseJwtSvidsResponse({ svids: [{ spiffe_id: ID, token, expires_at: 1 }] }, ['a'])).toThrow(
      /jwt-svid answer svids\[0\]: .*audience/,
    );
    const mine = key.signJwtSvid({ spiffeId: ID, audience: 'a' });
    expect(() =>
      parseJwtSvidsResponse({ svids: [{ spiffe_id: 'spiffe://example.org/x', token: mine }] }, ['a']),
    ).toThrow('svids[0] token is for "spiffe://example.org/lambda/orders", not "spiffe://example.org/x"');
    expect(() => parseJwtSvidsResponse({ svids: [] }, ['a'])).toThrow('"svids" is not a non-empty array');
  });

  it('refuses a certificate for another key than the CSR and an SVID outside the bundle trust domain', () => {
    const ca = TestCa.create({ trustDomain: 'example.org' });
    const issued = ca.issueX509Svid({ spiffeId: ID });
    const chain = issued.certificates.map((c) => c.der.toString('base64'));
    const bundle = {
      trust_domain: 'example.org',
      x509_authorities: [ca.certificate.x509.raw.toString('base64')],
    };
    const body = { svids: [{ spiffe_id: ID, cert_chain: chain }], bundle };
    expect(parseX509SvidsResponse(body, issued.privateKey).svids[0].id.toString()).toBe(ID);
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(() => parseX509SvidsResponse(body, otherKey)).toThrow(/x509-svid answer svids\[0\]: .*key/);
    expect(() =>
      parseX509SvidsResponse(
        { ...body, bundle: { ...bundle, trust_domain: 'other.org' } },
        issued.privateKey,
      ),
    ).toThrow('"spiffe://example.org/lambda/orders" is not in the bundle\'s trust domain "other.org"');
  });

  it('refuses a non-https server URL before any request', () => {
    const proof = { type: 'gcp_sa' as const, getProof: () => Promise.reject(new Error('unused')) };
    expect(() => new ManagedWorkloadClient({ serverUrl: 'http://h:1', proof })).toThrow(
      'must be an https:// URL',
    );
    expect(() => new ManagedWorkloadClient({ serverUrl: 'nope', proof })).toThrow('is not a URL');
  });
});

it('@lanyard/spiffe/managed and @lanyard/helper/managed load without @grpc/grpc-js', () => {
  const out = execFileSync(
    process.execPath,
    [
      '-e',
      `require('@lanyard/spiffe/managed'); require('@lanyard/helper/managed');
       console.log(Object.keys(require.cache).some((f) => f.includes('@grpc/grpc-js')))`,
    ],
    { cwd: path.resolve(__dirname, '..', '..'), encoding: 'utf8' },
  );
  expect(out.trim()).toBe('false');
});
