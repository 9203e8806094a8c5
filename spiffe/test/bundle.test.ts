import * as crypto from 'node:crypto';
import {
  JwtBundle,
  JwtBundleSet,
  ParsedAuthorities,
  SpiffeBundle,
  SpiffeBundleSet,
  TrustDomain,
  X509Bundle,
  X509BundleSet,
} from '@lanyard/spiffe';
import { BundleError } from '../src';
import { TestCa, thrown } from './helpers/pki';

const td = TrustDomain.parse('example.org');
const otherTd = TrustDomain.parse('other.org');
const ca = TestCa.create({ trustDomain: 'example.org' });
const k1 = ca.createJwtKey({ kid: 'k1' });
const k2 = ca.createJwtKey({ kid: 'k2', keyType: 'rsa-2048' });

describe('X509Bundle', () => {
  const second = TestCa.create({ trustDomain: 'example.org' });
  const der = Buffer.concat([ca.certificate.der, second.certificate.der]);

  it('parses concatenated DER and PEM, marshals both ways', () => {
    const b = X509Bundle.parse(td, der);
    expect(b.x509Authorities).toHaveLength(2);
    expect(b.marshalDer().equals(der)).toBe(true);
    const fromPem = X509Bundle.parse(td, b.toPem());
    expect(fromPem.equals(b)).toBe(true);
    expect(fromPem.hasX509Authority(second.certificate.x509)).toBe(true);
    expect(fromPem.hasX509Authority(TestCa.create({ trustDomain: 'example.org' }).certificate.x509)).toBe(
      false,
    );
  });

  it('treats empty bytes as a bundle without authorities', () => {
    expect(X509Bundle.parse(td, Buffer.alloc(0)).x509Authorities).toEqual([]);
  });

  it('names the trust domain in parse errors', () => {
    const err = thrown(() => X509Bundle.parse(td, Buffer.from([0x30, 0x05, 1])), BundleError);
    expect(err.message).toContain('x509 bundle for "example.org"');
  });

  it('is a source for its own trust domain only', () => {
    const b = X509Bundle.parse(td, der);
    expect(b.getX509BundleForTrustDomain(TrustDomain.parse('spiffe://example.org'))).toBe(b);
    thrown(() => b.getX509BundleForTrustDomain(otherTd), BundleError, 'ERR_BUNDLE_NOT_FOUND');
  });
});

describe('JwtBundle', () => {
  it('parses a plain JWK Set (as FetchJWTBundles serves it) and round-trips through marshal()', () => {
    const b = JwtBundle.parse(td, JSON.stringify(ca.jwks()));
    expect([...b.jwtAuthorities.keys()]).toEqual(['k1', 'k2']);
    expect(b.findJwtAuthority('k1')?.equals(k1.publicKey)).toBe(true);
    expect(b.findJwtAuthority('nope')).toBeUndefined();
    const again = JwtBundle.parse(td, Buffer.from(b.marshal()));
    expect(again.equals(b)).toBe(true);
    expect(JSON.parse(b.marshal()).keys[0]).toEqual({ kid: 'k1', ...k1.publicKey.export({ format: 'jwk' }) });
  });

  it('accepts keys with use "jwt-svid" and skips other uses', () => {
    const doc = { keys: [k1.publicJwk('jwt-svid'), { ...k2.publicJwk(), use: 'x509-svid' }] };
    expect([...JwtBundle.parse(td, JSON.stringify(doc)).jwtAuthorities.keys()]).toEqual(['k1']);
  });

  it('marshals an empty bundle as {"keys":[]}', () => {
    expect(new JwtBundle(td, []).marshal()).toBe('{"keys":[]}');
  });

  it.each<[string, unknown, string]>([
    ['invalid json', '{', 'not valid json'],
    ['a json array', [], 'not a json object'],
    ['no keys', {}, '"keys" is missing or not an array'],
    ['a non-object key', { keys: [1] }, 'keys[0] is not an object'],
    ['a key without kid', { keys: [{ ...k1.publicJwk(), kid: undefined }] }, 'keys[0]: "kid" is missing'],
    ['a non-string kid', { keys: [{ ...k1.publicJwk(), kid: 7 }] }, 'keys[0]: "kid" is not a string'],
    ['a duplicate kid', { keys: [k1.publicJwk(), k1.publicJwk()] }, 'keys[1]: duplicate "kid" "k1"'],
    ['an unknown kty', { keys: [{ kid: 'a', kty: 'oct', k: 'AAAA' }] }, 'keys[0]: unsupported "kty" "oct"'],
    [
      'an unknown curve',
      { keys: [{ ...k1.publicJwk(), crv: 'P-192' }] },
      'keys[0]: unsupported "crv" "P-192"',
    ],
    [
      'a missing coordinate',
      { keys: [{ ...k1.publicJwk(), y: undefined }] },
      'keys[0]: "y" is missing or not a string',
    ],
    [
      'a point off the curve',
      { keys: [{ ...k1.publicJwk(), y: k1.publicJwk().x }] },
      'keys[0]: key parameters are invalid',
    ],
    [
      'private key material',
      { keys: [{ ...k1.privateKey.export({ format: 'jwk' }), kid: 'p' }] },
      'holds private key material',
    ],
  ])('rejects %s with a message naming the field', (_name, doc, message) => {
    const text = typeof doc === 'string' ? doc : JSON.stringify(doc);
    const err = thrown(() => JwtBundle.parse(td, text), BundleError);
    expect(err.message).toContain(message);
    expect(err.message).toContain('jwt bundle for "example.org"');
  });

  it('refuses empty key ids and symmetric keys when built directly', () => {
    thrown(() => new JwtBundle(td, [['', k1.publicKey]]), BundleError);
    thrown(() => new JwtBundle(td, [['s', crypto.createSecretKey(Buffer.alloc(32))]]), BundleError);
  });
});

describe('SpiffeBundle', () => {
  const doc = ca.spiffeBundle({ sequence: 7, refreshHintSeconds: 300 });

  it('parses a SPIFFE bundle document with x509 and jwt authorities', () => {
    const b = SpiffeBundle.parse(td, JSON.stringify(doc));
    expect(b.x509Authorities.map((c) => c.fingerprint256)).toEqual([ca.certificate.x509.fingerprint256]);
    expect([...b.jwtAuthorities.keys()]).toEqual(['k1', 'k2']);
    expect(b.sequenceNumber).toBe(7);
    expect(b.refreshHint).toBe(300);
    expect(b.toX509Bundle().x509Authorities).toHaveLength(1);
    expect(b.getJwtBundleForTrustDomain(td).findJwtAuthority('k2')?.equals(k2.publicKey)).toBe(true);
  });

  it('writes the producer-strict form and round-trips', () => {
    const b = SpiffeBundle.parse(td, JSON.stringify(doc));
    const out = JSON.parse(b.marshal());
    expect(Object.keys(out)).toEqual(['spiffe_sequence', 'spiffe_refresh_hint', 'keys']);
    expect(out.keys[0].use).toBe('x509-svid');
    expect(out.keys[0].kid).toBeUndefined();
    expect(out.keys[0].x5c).toEqual([ca.certificate.der.toString('base64')]);
    expect(out.keys[0].crv).toBe('P-256');
    expect(out.keys[1]).toEqual({ use: 'jwt-svid', kid: 'k1', ...k1.publicKey.export({ format: 'jwk' }) });
    const again = SpiffeBundle.parse(td, b.marshal());
    expect(again.toX509Bundle().equals(b.toX509Bundle())).toBe(true);
    expect(again.toJwtBundle().equals(b.toJwtBundle())).toBe(true);
  });

  it('always writes a keys array and omits unset sequence and refresh hint', () => {
    expect(new SpiffeBundle({ trustDomain: td }).marshal()).toBe('{"keys":[]}');
    expect(SpiffeBundle.parse(td, '{"keys":[]}').sequenceNumber).toBeUndefined();
  });

  it('ignores entries with a missing or unknown use', () => {
    const extra = { keys: [...doc.keys, { ...k1.publicJwk(), use: 'wit-svid' }, { kty: 'oct', k: 'AA' }] };
    const b = SpiffeBundle.parse(td, JSON.stringify(extra));
    expect(b.jwtAuthorities.size).toBe(2);
    expect(b.x509Authorities).toHaveLength(1);
  });

  const x509Entry = doc.keys[0];
  const otherCert = TestCa.create({ trustDomain: 'example.org' }).certificate.der.toString('base64');
  it.each<[string, unknown, string]>([
    ['keys absent', { spiffe_sequence: 1 }, '"keys" is missing or not an array'],
    [
      'x5c empty',
      { keys: [{ ...x509Entry, x5c: [] }] },
      'keys[0]: "x5c" must be an array of exactly one certificate',
    ],
    [
      'x5c with two certs',
      { keys: [{ ...x509Entry, x5c: [...(x509Entry.x5c ?? []), otherCert] }] },
      'exactly one certificate',
    ],
    [
      'x5c not base64 der',
      { keys: [{ ...x509Entry, x5c: ['AAAA'] }] },
      'keys[0]: "x5c"[0] is not a der certificate',
    ],
    ['x5c key mismatch', { keys: [{ ...x509Entry, x5c: [otherCert] }] }, 'key parameters do not match'],
    [
      'jwt-svid without kid',
      { keys: [{ ...k1.publicJwk('jwt-svid'), kid: undefined }] },
      'keys[0]: "kid" is missing',
    ],
    [
      'duplicate jwt kid',
      { keys: [k1.publicJwk('jwt-svid'), k1.publicJwk('jwt-svid')] },
      'keys[1]: duplicate "kid"',
    ],
    [
      'negative sequence',
      { keys: [], spiffe_sequence: -1 },
      '"spiffe_sequence" must be a non-negative integer',
    ],
    [
      'fractional refresh hint',
      { keys: [], spiffe_refresh_hint: 1.5 },
      '"spiffe_refresh_hint" must be a non-negative integer',
    ],
    [
      'huge sequence',
      { keys: [], spiffe_sequence: 2 ** 60 },
      '"spiffe_sequence" must be a non-negative integer',
    ],
  ])('rejects %s', (_name, bad, message) => {
    const err = thrown(() => SpiffeBundle.parse(td, JSON.stringify(bad)), BundleError);
    expect(err.message).toContain(message);
  });

  it('refuses to emit Ed25519 jwt keys and unsupported curves', () => {
    const ed = crypto.generateKeyPairSync('ed25519').publicKey;
    thrown(() => new SpiffeBundle({ trustDomain: td, jwtAuthorities: [['e', ed]] }).marshal(), BundleError);
    const k256 = crypto.generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey;
    const err = thrown(
      () => new SpiffeBundle({ trustDomain: td, jwtAuthorities: [['k', k256]] }).marshal(),
      BundleError,
    );
    expect(err.message).toContain('unsupported ec curve secp256k1');
  });

  it('combines X.509 and JWT bundles of one trust domain only', () => {
    const x = X509Bundle.parse(td, ca.bundleDer());
    const j = JwtBundle.parse(td, JSON.stringify(ca.jwks()));
    const b = SpiffeBundle.fromBundles({ x509: x, jwt: j, sequenceNumber: 3 });
    expect(b.sequenceNumber).toBe(3);
    expect(b.toJwtBundle().equals(j)).toBe(true);
    thrown(() => SpiffeBundle.fromBundles({ x509: x, jwt: new JwtBundle(otherTd, []) }), BundleError);
    thrown(() => SpiffeBundle.fromBundles({}), BundleError);
  });

  it('equals compares trust domain, authorities, sequence number and refresh hint', () => {
    const b = SpiffeBundle.parse(td, JSON.stringify(doc));
    expect(b.equals(SpiffeBundle.parse(td, b.marshal()))).toBe(true);
    const init = { trustDomain: td, x509Authorities: b.x509Authorities, jwtAuthorities: b.jwtAuthorities };
    const same = new SpiffeBundle({ ...init, sequenceNumber: 7, refreshHint: 300 });
    expect(b.equals(same)).toBe(true);
    expect(b.equals(new SpiffeBundle({ ...init, sequenceNumber: 8, refreshHint: 300 }))).toBe(false);
    expect(b.equals(new SpiffeBundle({ ...init, sequenceNumber: 7 }))).toBe(false);
    expect(
      b.equals(new SpiffeBundle({ ...init, trustDomain: otherTd, sequenceNumber: 7, refreshHint: 300 })),
    ).toBe(false);
    const fewerKeys = new Map([...b.jwtAuthorities].slice(0, 1));
    expect(
      b.equals(new SpiffeBundle({ ...init, jwtAuthorities: fewerKeys, sequenceNumber: 7, refreshHint: 300 })),
    ).toBe(false);
    const noRoots = new SpiffeBundle({ ...init, x509Authorities: [], sequenceNumber: 7, refreshHint: 300 });
    expect(b.equals(noRoots)).toBe(false);
  });
});

describe('SpiffeBundle authority metadata', () => {
  const parsed = SpiffeBundle.parse(td, JSON.stringify(ca.spiffeBundle({ sequence: 3 })));
  const withMetadata = new SpiffeBundle({
    trustDomain: td,
    x509Authorities: parsed.x509Authorities,
    x509AuthorityMetadata: [{ tainted: true }],
    jwtAuthorities: parsed.jwtAuthorities,
    jwtAuthorityMetadata: new Map([['k2', { tainted: true, expiresAt: 1_900_000_000 }]]),
    sequenceNumber: parsed.sequenceNumber,
    refreshHint: parsed.refreshHint,
  });

  it('defaults every authority to untainted without expiry; parsed documents carry none', () => {
    expect(parsed.x509AuthorityMetadata).toEqual([{ tainted: false }]);
    expect([...parsed.jwtAuthorityMetadata]).toEqual([
      ['k1', { tainted: false }],
      ['k2', { tainted: false }],
    ]);
  });

  it('keeps taint and JWT expiry per authority, out of the marshalled document', () => {
    expect(withMetadata.x509AuthorityMetadata[0]).toEqual({ tainted: true });
    expect(withMetadata.jwtAuthorityMetadata.get('k1')).toEqual({ tainted: false });
    expect(withMetadata.jwtAuthorityMetadata.get('k2')).toEqual({ tainted: true, expiresAt: 1_900_000_000 });
    expect(withMetadata.marshal()).toBe(parsed.marshal());
  });

  it('counts metadata in equals', () => {
    expect(withMetadata.equals(parsed)).toBe(false);
    expect(parsed.equals(SpiffeBundle.parse(td, parsed.marshal()))).toBe(true);
  });

  it('refuses metadata for absent authorities and bad expiries, naming them', () => {
    const base = {
      trustDomain: td,
      x509Authorities: parsed.x509Authorities,
      jwtAuthorities: parsed.jwtAuthorities,
    };
    expect(
      thrown(
        () => new SpiffeBundle({ ...base, x509AuthorityMetadata: [undefined, { tainted: true }] }),
        BundleError,
        'ERR_BUNDLE_INVALID',
      ).message,
    ).toBe('spiffe bundle: metadata for 2 x509 authorities, 1 present');
    expect(
      thrown(
        () => new SpiffeBundle({ ...base, jwtAuthorityMetadata: [['k9', { tainted: true }]] }),
        BundleError,
        'ERR_BUNDLE_INVALID',
      ).message,
    ).toBe('spiffe bundle: metadata for unknown jwt authority "k9"');
    expect(
      thrown(
        () =>
          new SpiffeBundle({ ...base, jwtAuthorityMetadata: [['k1', { tainted: false, expiresAt: -1 }]] }),
        BundleError,
        'ERR_BUNDLE_INVALID',
      ).message,
    ).toBe('spiffe bundle: jwt authority "k1": expiresAt must be non-negative unix seconds');
    expect(
      thrown(
        () => new SpiffeBundle({ ...base, x509AuthorityMetadata: [{ tainted: false, expiresAt: 5 }] }),
        BundleError,
        'ERR_BUNDLE_INVALID',
      ).message,
    ).toBe('spiffe bundle: x509 authority 0: expiresAt is only kept for jwt authorities');
  });
});

describe('ParsedAuthorities', () => {
  it('hands out the same parsed certificate and key for the same bytes', () => {
    const parsed = new ParsedAuthorities();
    const spki = k1.publicKey.export({ format: 'der', type: 'spki' });
    expect(parsed.certificate(ca.certificate.der)).toBe(parsed.certificate(Buffer.from(ca.certificate.der)));
    expect(parsed.certificate(ca.certificate.der).raw.equals(ca.certificate.der)).toBe(true);
    expect(parsed.publicKey(spki)).toBe(parsed.publicKey(Buffer.from(spki)));
    expect(parsed.publicKey(spki).equals(k1.publicKey)).toBe(true);
    expect(() => parsed.certificate(Buffer.from('not a certificate'))).toThrow();
  });
});

describe('bundle sets', () => {
  it('key bundles by trust domain, replace on add and answer as sources', () => {
    const a1 = new X509Bundle(td, []);
    const a2 = X509Bundle.parse(td, ca.bundleDer());
    const set = new X509BundleSet([a1, new X509Bundle(otherTd, [])]);
    set.add(a2);
    expect(set.size).toBe(2);
    expect(set.getX509BundleForTrustDomain(td)).toBe(a2);
    expect(set.bundles().map((b) => b.trustDomain.name)).toEqual(['example.org', 'other.org']);
    expect(set.remove(otherTd)).toBe(true);
    thrown(() => set.getX509BundleForTrustDomain(otherTd), BundleError, 'ERR_BUNDLE_NOT_FOUND');
  });

  it('JwtBundleSet and SpiffeBundleSet', () => {
    const jwtSet = new JwtBundleSet([JwtBundle.parse(td, JSON.stringify(ca.jwks()))]);
    expect(jwtSet.getJwtBundleForTrustDomain(td).jwtAuthorities.size).toBe(2);
    thrown(() => jwtSet.getJwtBundleForTrustDomain(otherTd), BundleError);
    const spiffeSet = new SpiffeBundleSet([SpiffeBundle.parse(td, JSON.stringify(ca.spiffeBundle()))]);
    expect(spiffeSet.getX509BundleForTrustDomain(td).x509Authorities).toHaveLength(1);
    expect(spiffeSet.getJwtBundleForTrustDomain(td)).toBe(spiffeSet.getJwtBundleForTrustDomain(td));
    thrown(() => spiffeSet.getX509BundleForTrustDomain(otherTd), BundleError);
  });
});
