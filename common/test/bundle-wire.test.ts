import { X509Certificate } from 'node:crypto';
import { InvalidArgumentError } from '@lanyard/base';
import { bundleFromWire, bundleToWire, completeBundleToWire, type WireBundle } from '@lanyard/common';
import { TrustDomain } from '@lanyard/spiffe';
import { TestCa } from '@lanyard/test-support';

const ca = TestCa.create({ trustDomain: 'example.org' });
const other = TestCa.create({ trustDomain: 'example.org' });
const jwtKey = ca.createJwtKey({ kid: 'k1' });

function wireBundle(overrides: Partial<WireBundle> = {}): WireBundle {
  return {
    trust_domain: 'example.org',
    x509_authorities: [
      { asn1: ca.bundle()[0], tainted: false },
      { asn1: other.bundle()[0], tainted: true },
    ],
    jwt_authorities: [
      {
        key_id: 'k1',
        public_key: jwtKey.publicKey.export({ format: 'der', type: 'spki' }),
        expires_at: 1_900_000_000,
        tainted: true,
      },
    ],
    refresh_hint: 300,
    sequence_number: 7,
    ...overrides,
  };
}

function conversionError(wire: WireBundle): InvalidArgumentError {
  try {
    bundleFromWire(wire);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return err as InvalidArgumentError;
  }
  throw new Error('expected the conversion to fail');
}

describe('wire bundle conversion', () => {
  it('keeps authorities, metadata, refresh hint and sequence number both ways', () => {
    const bundle = bundleFromWire(wireBundle());
    expect(bundle.trustDomain.name).toBe('example.org');
    expect(bundle.x509Authorities.map((c) => c.raw)).toEqual(ca.bundle().concat(other.bundle()));
    expect(bundle.x509AuthorityMetadata.map((m) => m.tainted)).toEqual([false, true]);
    expect(bundle.jwtAuthorityMetadata.get('k1')).toEqual({ tainted: true, expiresAt: 1_900_000_000 });
    expect(bundle.refreshHint).toBe(300);
    expect(bundle.sequenceNumber).toBe(7);
    const back = completeBundleToWire(bundle);
    expect(back).toEqual({
      ...wireBundle(),
      x509_authorities: wireBundle().x509_authorities.map((a) => ({ ...a, asn1: Buffer.from(a.asn1) })),
    });
    expect(new X509Certificate(back.x509_authorities[1].asn1).checkIssued(other.certificate.x509)).toBe(true);
  });

  it('reads a scheme-prefixed trust domain and lets the caller name it', () => {
    expect(bundleFromWire(wireBundle({ trust_domain: 'spiffe://example.org' })).trustDomain.name).toBe(
      'example.org',
    );
    const named = bundleFromWire(wireBundle({ trust_domain: '' }), TrustDomain.parse('fed.example'));
    expect(named.trustDomain.name).toBe('fed.example');
  });

  it('sends only the masked fields', () => {
    const bundle = bundleFromWire(wireBundle());
    const masked = bundleToWire(bundle, {
      x509_authorities: false,
      jwt_authorities: true,
      refresh_hint: false,
      sequence_number: true,
    });
    expect(Object.keys(masked).sort()).toEqual(['jwt_authorities', 'sequence_number', 'trust_domain']);
  });

  it.each([
    ['trust_domain', { trust_domain: 'Bad Domain' }, /^failed to convert bundle: trust_domain: /],
    [
      'x509_authorities[0]',
      { x509_authorities: [{ asn1: Buffer.from('nope'), tainted: false }] },
      /x509_authorities\[0\]: unable to parse certificate/,
    ],
    [
      'jwt key id',
      { jwt_authorities: [{ key_id: '', public_key: Buffer.alloc(0), expires_at: 0, tainted: false }] },
      /jwt_authorities\[0\]: missing key ID/,
    ],
    [
      'jwt key bytes',
      { jwt_authorities: [{ key_id: 'x', public_key: Buffer.from('nope'), expires_at: 0, tainted: false }] },
      /jwt_authorities\[0\]: unable to parse public key/,
    ],
    ['sequence_number', { sequence_number: -1 }, /sequence_number: must be a non-negative integer/],
  ])('names the bad field: %s', (_name, overrides, message) => {
    expect(conversionError(wireBundle(overrides as Partial<WireBundle>)).message).toMatch(message);
  });

  it('refuses a repeated JWT key ID', () => {
    const key = wireBundle().jwt_authorities[0];
    expect(conversionError(wireBundle({ jwt_authorities: [key, key] })).message).toMatch(
      /jwt_authorities\[1\]: duplicate key ID "k1"/,
    );
  });
});
