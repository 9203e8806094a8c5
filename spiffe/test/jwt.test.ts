import * as crypto from 'node:crypto';
import {
  JwtBundle,
  JwtBundleSet,
  JwtSvid,
  JwtSvidAlgorithm,
  SpiffeBundle,
  SpiffeId,
  TrustDomain,
  signJwtSvid,
} from '@lanyard/spiffe';
import { LanyardError } from '@lanyard/base';
import { JwtSvidError, SpiffeIdError } from '../src';
import { TestJwtKey } from '@lanyard/test-support';
import { TestCa, thrown } from './helpers/pki';

const td = TrustDomain.parse('example.org');
const ca = TestCa.create({ trustDomain: 'example.org' });
const ec = ca.createJwtKey({ kid: 'ec1' });
const ec384 = ca.createJwtKey({ kid: 'ec384', keyType: 'ec-p384' });
const rsa = ca.createJwtKey({ kid: 'rsa1', keyType: 'rsa-2048' });
const p521 = crypto.generateKeyPairSync('ec', { namedCurve: 'P-521' });
const bundle = new JwtBundle(td, [
  ...JwtBundle.parse(td, JSON.stringify(ca.jwks())).jwtAuthorities,
  ['p521', p521.publicKey] as [string, crypto.KeyObject],
]);
const bundles = new JwtBundleSet([bundle]);
const ID = 'spiffe://example.org/web';
const now = Math.floor(Date.now() / 1000);

function token(
  overrides: { claims?: Record<string, unknown>; header?: Record<string, unknown> } = {},
): string {
  return ec.signJwtSvid({ spiffeId: ID, audience: 'api', nowSeconds: now, ...overrides });
}

describe('JwtSvid.parseAndValidate', () => {
  it('validates a token signed by the test CA key (independent signer)', () => {
    const svid = JwtSvid.parseAndValidate(token(), { bundles, audience: 'api', now: now * 1000, hint: 'h' });
    expect(svid.id.toString()).toBe(ID);
    expect(svid.audience).toEqual(['api']);
    expect(svid.expiry.getTime()).toBe((now + 300) * 1000);
    expect(svid.issuedAt?.getTime()).toBe(now * 1000);
    expect(svid.alg).toBe('ES256');
    expect(svid.kid).toBe('ec1');
    expect(svid.claims.sub).toBe(ID);
    expect(svid.hint).toBe('h');
    expect(svid.marshal()).toBe(svid.token);
  });

  it.each([
    ['ES384', ec384],
    ['RS256', rsa],
  ])('validates %s tokens from the test signer', (alg, key) => {
    const t = key.signJwtSvid({ spiffeId: ID, audience: ['a', 'b'] });
    expect(JwtSvid.parseAndValidate(t, { bundles, audience: ['b'] }).alg).toBe(alg);
  });

  it.each<[JwtSvidAlgorithm, crypto.KeyObject, string]>([
    ['ES256', ec.privateKey, 'ec1'],
    ['ES384', ec384.privateKey, 'ec384'],
    ['ES512', p521.privateKey, 'p521'],
    ['RS256', rsa.privateKey, 'rsa1'],
    ['RS384', rsa.privateKey, 'rsa1'],
    ['RS512', rsa.privateKey, 'rsa1'],
    ['PS256', rsa.privateKey, 'rsa1'],
    ['PS384', rsa.privateKey, 'rsa1'],
    ['PS512', rsa.privateKey, 'rsa1'],
  ])('round-trips %s through signJwtSvid', (alg, key, kid) => {
    const t = signJwtSvid({ key, kid, alg }, { sub: ID, aud: 'api', exp: now + 60 });
    const svid = JwtSvid.parseAndValidate(t, { bundles, audience: 'api' });
    expect(svid.alg).toBe(alg);
    expect(JSON.parse(Buffer.from(t.split('.')[0], 'base64url').toString())).toEqual({
      alg,
      kid,
      typ: 'JWT',
    });
  });

  it('accepts keys carried with use "jwt-svid" in a SPIFFE bundle', () => {
    const spiffe = SpiffeBundle.parse(td, JSON.stringify(ca.spiffeBundle()));
    expect(JwtSvid.parseAndValidate(token(), { bundles: spiffe, audience: 'api' }).id.toString()).toBe(ID);
  });

  it('matches any of the expected audiences, exactly and case-sensitively', () => {
    const t = token({ claims: { aud: ['x', 'api'] } });
    expect(JwtSvid.parseAndValidate(t, { bundles, audience: ['nope', 'api'] }).audience).toEqual([
      'x',
      'api',
    ]);
    thrown(
      () => JwtSvid.parseAndValidate(t, { bundles, audience: ['API'] }),
      JwtSvidError,
      'ERR_JWT_SVID_AUDIENCE',
    );
    thrown(() => JwtSvid.parseAndValidate(t, { bundles, audience: [] }), JwtSvidError);
  });

  it('applies the 60 s leeway to exp, nbf and iat with an injected clock', () => {
    const t = token({ claims: { exp: now, nbf: now, iat: now } });
    expect(() =>
      JwtSvid.parseAndValidate(t, { bundles, audience: 'api', now: (now + 60) * 1000 }),
    ).not.toThrow();
    thrown(
      () => JwtSvid.parseAndValidate(t, { bundles, audience: 'api', now: (now + 61) * 1000 }),
      JwtSvidError,
      'ERR_JWT_SVID_EXPIRED',
    );
    const future = token({ claims: { nbf: now + 120 } });
    thrown(
      () => JwtSvid.parseAndValidate(future, { bundles, audience: 'api', now: now * 1000 }),
      JwtSvidError,
      'ERR_JWT_SVID_NOT_YET_VALID',
    );
    const issuedLater = token({ claims: { iat: now + 61 } });
    thrown(
      () => JwtSvid.parseAndValidate(issuedLater, { bundles, audience: 'api', now: new Date(now * 1000) }),
      JwtSvidError,
      'ERR_JWT_SVID_ISSUED_IN_FUTURE',
    );
  });

  it.each<[string, () => string, string]>([
    ['a missing kid', () => token({ header: { kid: undefined } }), 'header "kid" is missing'],
    [
      'an unknown kid',
      () => token({ header: { kid: 'other' } }),
      'no key "other" in the bundle of "example.org"',
    ],
    [
      'a subject in a trust domain without bundle',
      () => token({ claims: { sub: 'spiffe://other.org/x' } }),
      'no jwt bundle for trust domain "other.org"',
    ],
    [
      'a key that does not fit alg',
      () => token({ header: { kid: 'rsa1' } }),
      'key "rsa1" cannot verify ES256',
    ],
    ['a tampered payload', () => tamper(token()), 'signature is invalid'],
    [
      'a signature by another key',
      () => new TestJwtKey('ec1').signJwtSvid({ spiffeId: ID, audience: 'api' }),
      'signature is invalid',
    ],
  ])('rejects %s as untrusted', (_name, make, message) => {
    const err = thrown(
      () => JwtSvid.parseAndValidate(make(), { bundles, audience: 'api' }),
      JwtSvidError,
      'ERR_JWT_SVID_UNTRUSTED',
    );
    expect(err.message).toContain(message);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['alg none', { alg: 'none' }, 'header "alg" "none" is not allowed'],
    ['alg HS256', { alg: 'HS256' }, 'header "alg" "HS256" is not allowed'],
    ['alg EdDSA', { alg: 'EdDSA' }, 'is not allowed'],
    ['alg missing', { alg: undefined }, 'header "alg" missing is not allowed'],
  ])('rejects %s before anything else', (_name, header, message) => {
    const err = thrown(
      () => JwtSvid.parseAndValidate(token({ header }), { bundles, audience: 'api' }),
      JwtSvidError,
      'ERR_JWT_SVID_ALG',
    );
    expect(err.message).toContain(message);
  });

  it.each<[string, { claims?: Record<string, unknown>; header?: Record<string, unknown> }, string]>([
    ['typ JWS', { header: { typ: 'JWS' } }, 'header "typ" must be "JWT" or "JOSE"'],
    ['crit', { header: { crit: ['b64'] } }, 'header "crit" is not supported'],
    ['a numeric kid', { header: { kid: 5 } }, 'header "kid" is not a string'],
    ['no sub', { claims: { sub: undefined } }, 'claim "sub" is missing'],
    ['a non-spiffe sub', { claims: { sub: 'https://example.org/x' } }, 'claim "sub" is not a spiffe id'],
    ['no exp', { claims: { exp: undefined } }, 'claim "exp" is missing'],
    ['a string exp', { claims: { exp: '1700000000' } }, 'claim "exp" is not a number'],
    ['no aud', { claims: { aud: undefined } }, 'claim "aud" is missing'],
    ['an empty aud list', { claims: { aud: [] } }, 'claim "aud" is empty'],
    ['a numeric aud', { claims: { aud: [1] } }, 'claim "aud" must be a string or an array of strings'],
  ])('rejects a token with %s as malformed', (_name, overrides, message) => {
    const err = thrown(
      () => JwtSvid.parseAndValidate(token(overrides), { bundles, audience: 'api' }),
      JwtSvidError,
      'ERR_JWT_SVID_MALFORMED',
    );
    expect(err.message).toContain(message);
  });

  it('accepts typ JOSE and a missing typ', () => {
    expect(
      JwtSvid.parseAndValidate(token({ header: { typ: 'JOSE' } }), {
        bundles,
        audience: 'api',
      }).id.toString(),
    ).toBe(ID);
    expect(
      JwtSvid.parseAndValidate(token({ header: { typ: undefined } }), {
        bundles,
        audience: 'api',
      }).id.toString(),
    ).toBe(ID);
  });

  const [h, p, s] = token().split('.');
  it.each([
    ['', 'token is empty'],
    ['abc', 'exactly three dot-separated parts'],
    [`${h}.${p}`, 'exactly three dot-separated parts'],
    [`${h}.${p}.${s}.x.y`, 'exactly three dot-separated parts'],
    [`.${p}.${s}`, 'header is empty'],
    [`${h}.${p}+/.${s}`, 'payload is not base64url'],
    [`${Buffer.from('nope').toString('base64url')}.${p}.${s}`, 'header is not valid json'],
    [`${Buffer.from('[1]').toString('base64url')}.${p}.${s}`, 'header is not a json object'],
    [`${h}.${Buffer.from('null').toString('base64url')}.${s}`, 'payload is not a json object'],
    [`${h}.${p}.%%%`, 'signature is not base64url'],
  ])('rejects the malformed token %j', (t, message) => {
    const err = thrown(
      () => JwtSvid.parseAndValidate(t, { bundles, audience: 'api' }),
      JwtSvidError,
      'ERR_JWT_SVID_MALFORMED',
    );
    expect(err.message).toContain(message);
  });

  it('never throws anything but a LanyardError on random garbage', () => {
    for (let i = 0; i < 200; i++) {
      const parts = [h, p, s].map((part) =>
        Math.random() < 0.5 ? part : crypto.randomBytes(i % 40).toString('base64url'),
      );
      try {
        JwtSvid.parseAndValidate(parts.join('.'), { bundles, audience: 'api' });
      } catch (err) {
        expect(err).toBeInstanceOf(LanyardError);
      }
    }
    thrown(
      () => JwtSvid.parseAndValidate(42 as unknown as string, { bundles, audience: 'api' }),
      JwtSvidError,
    );
  });
});

describe('JwtSvid.parseInsecure', () => {
  it('checks claims but not the signature', () => {
    const svid = JwtSvid.parseInsecure(tamper(token()), { audience: 'api' });
    expect(svid.id.toString()).toBe(ID);
    thrown(
      () => JwtSvid.parseInsecure(token(), { audience: ['other'] }),
      JwtSvidError,
      'ERR_JWT_SVID_AUDIENCE',
    );
    thrown(
      () => JwtSvid.parseInsecure(token({ header: { alg: 'none' } }), { audience: 'api' }),
      JwtSvidError,
      'ERR_JWT_SVID_ALG',
    );
    thrown(
      () => JwtSvid.parseInsecure(token(), { audience: 'api', now: (now + 400) * 1000 }),
      JwtSvidError,
      'ERR_JWT_SVID_EXPIRED',
    );
  });
});

describe('signJwtSvid', () => {
  const signer = { key: ec.privateKey, kid: 'ec1' };

  it('writes SPIRE’s claim set: aud string for one audience, array for several, iat defaulting to now', () => {
    const t = signJwtSvid(signer, {
      sub: SpiffeId.parse(ID),
      aud: ['a', '', 'b'],
      exp: new Date((now + 60) * 1000),
      iss: 'i',
      extra: { x: 1 },
    });
    const claims = JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ aud: ['a', 'b'], exp: now + 60, iss: 'i', sub: ID, x: 1 });
    expect(Math.abs(claims.iat - Date.now() / 1000)).toBeLessThan(5);
    const single = signJwtSvid(signer, { sub: ID, aud: 'a', exp: now + 60, iat: now });
    expect(JSON.parse(Buffer.from(single.split('.')[1], 'base64url').toString())).toEqual({
      aud: 'a',
      exp: now + 60,
      iat: now,
      sub: ID,
    });
  });

  it('produces ES256 signatures in IEEE-P1363 form that node verifies independently', () => {
    const t = signJwtSvid(signer, { sub: ID, aud: 'a', exp: now + 60 });
    const [hh, pp, ss] = t.split('.');
    const sig = Buffer.from(ss, 'base64url');
    expect(sig).toHaveLength(64);
    expect(
      crypto.verify(
        'sha256',
        Buffer.from(`${hh}.${pp}`),
        { key: ec.publicKey, dsaEncoding: 'ieee-p1363' },
        sig,
      ),
    ).toBe(true);
  });

  it.each<[string, () => string, string]>([
    [
      'a public key',
      () => signJwtSvid({ key: ec.publicKey, kid: 'k' }, { sub: ID, aud: 'a', exp: now }),
      'key is not a private key',
    ],
    [
      'no kid',
      () => signJwtSvid({ key: ec.privateKey, kid: '' }, { sub: ID, aud: 'a', exp: now }),
      '"kid" is required',
    ],
    [
      'a mismatched alg',
      () => signJwtSvid({ ...signer, alg: 'RS256' }, { sub: ID, aud: 'a', exp: now }),
      'key cannot sign RS256',
    ],
    [
      'only empty audiences',
      () => signJwtSvid(signer, { sub: ID, aud: [''], exp: now }),
      'at least one non-empty audience',
    ],
    [
      'a reserved extra claim',
      () => signJwtSvid(signer, { sub: ID, aud: 'a', exp: now, extra: { sub: 'x' } }),
      'would override',
    ],
    ['a bad exp', () => signJwtSvid(signer, { sub: ID, aud: 'a', exp: NaN }), '"exp" is not a valid time'],
    [
      'an ed25519 key',
      () =>
        signJwtSvid(
          { key: crypto.generateKeyPairSync('ed25519').privateKey, kid: 'e' },
          { sub: ID, aud: 'a', exp: now },
        ),
      'unsupported key type',
    ],
  ])('refuses %s', (_name, make, message) => {
    expect(thrown(make, JwtSvidError).message).toContain(message);
  });

  it('refuses a subject that is not a SPIFFE ID', () => {
    expect(() => signJwtSvid(signer, { sub: 'spiffe://Bad/x', aud: 'a', exp: now })).toThrow(SpiffeIdError);
  });
});

/** Changes one character of the payload so the signature no longer matches. */
function tamper(t: string): string {
  const [hh, pp, ss] = t.split('.');
  const claims = JSON.parse(Buffer.from(pp, 'base64url').toString());
  return `${hh}.${Buffer.from(JSON.stringify({ ...claims, extra: 1 })).toString('base64url')}.${ss}`;
}

describe('JwtSvid audience option', () => {
  it('accepts one audience as a string and refuses an empty one', () => {
    const key = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const bundle = new JwtBundle(TrustDomain.parse('example.org'), [['k', key.publicKey]]);
    const t = signJwtSvid(
      { key: key.privateKey, kid: 'k' },
      { sub: 'spiffe://example.org/web', aud: ['db'], exp: new Date(Date.now() + 60_000) },
    );
    expect(JwtSvid.parseAndValidate(t, { bundles: bundle, audience: 'db' }).id.path).toBe('/web');
    thrown(
      () => JwtSvid.parseAndValidate(t, { bundles: bundle, audience: '' }),
      JwtSvidError,
      'ERR_JWT_SVID_AUDIENCE_MISSING',
    );
  });
});
