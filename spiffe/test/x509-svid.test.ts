import * as crypto from 'node:crypto';
import {
  KeyUsage,
  SpiffeIdError,
  X509Svid,
  certificateInfo,
  parseCertificates,
  parsePrivateKey,
} from '@lanyard/spiffe';
import { X509SvidError } from '../src';
import { TestCa, thrown } from './helpers/pki';

const ca = TestCa.create({ trustDomain: 'example.org' });
const inter = ca.createIntermediate();

describe('parseCertificates / parsePrivateKey', () => {
  const svid = inter.issueX509Svid({ spiffeId: 'spiffe://example.org/web' });

  it('parses concatenated DER and PEM chains in order', () => {
    const fromDer = parseCertificates(svid.chainDer);
    const fromPem = parseCertificates(svid.chainPem);
    expect(fromDer.map((c) => c.fingerprint256)).toEqual(svid.certificates.map((c) => c.x509.fingerprint256));
    expect(fromPem.map((c) => c.fingerprint256)).toEqual(fromDer.map((c) => c.fingerprint256));
    expect(parseCertificates(Buffer.from(svid.chainPem)).length).toBe(2);
  });

  it('rejects empty, truncated and garbage input with typed errors', () => {
    thrown(() => parseCertificates(Buffer.alloc(0)), X509SvidError, 'ERR_X509_CERT_MALFORMED');
    thrown(() => parseCertificates(svid.chainDer.subarray(0, svid.chainDer.length - 3)), X509SvidError);
    thrown(() => parseCertificates(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00])), X509SvidError);
    thrown(() => parseCertificates(Buffer.from([0x04, 0x00])), X509SvidError);
    thrown(() => parseCertificates('not pem at all'), X509SvidError);
    const err = thrown(
      () => parseCertificates('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', 'chain'),
      X509SvidError,
    );
    expect(err.message).toBe('chain: certificate 0 cannot be parsed');
  });

  it('parses PKCS#8 DER and PEM keys, refuses public keys and garbage', () => {
    expect(parsePrivateKey(svid.privateKeyDer).asymmetricKeyType).toBe('ec');
    expect(parsePrivateKey(svid.privateKeyPem).asymmetricKeyType).toBe('ec');
    thrown(() => parsePrivateKey(Buffer.from('nope')), X509SvidError, 'ERR_PRIVATE_KEY_MALFORMED');
    thrown(() => parsePrivateKey(svid.certificates[0].publicKey), X509SvidError, 'ERR_PRIVATE_KEY_MALFORMED');
    const x25519 = crypto.generateKeyPairSync('x25519').privateKey;
    thrown(() => parsePrivateKey(x25519), X509SvidError, 'ERR_PRIVATE_KEY_MALFORMED');
  });

  it('reads key usage, basic constraints, uris and validity from DER', () => {
    const leaf = certificateInfo(svid.certificates[0].x509);
    expect(leaf.isCa).toBe(false);
    expect(leaf.keyUsage).toBe(KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyAgreement);
    expect(leaf.uris).toEqual(['spiffe://example.org/web']);
    expect(leaf.notAfter).toBe(Date.parse(svid.certificates[0].x509.validTo));
    expect(leaf.notBefore).toBe(Date.parse(svid.certificates[0].x509.validFrom));
    const root = certificateInfo(ca.certificate.x509);
    expect(root.isCa).toBe(true);
    expect(root.keyUsage).toBe(KeyUsage.keyCertSign | KeyUsage.cRLSign);
    expect(root.uris).toEqual(['spiffe://example.org']);
  });
});

describe('X509Svid.parse', () => {
  it('accepts a leaf + intermediate chain from DER and from PEM', () => {
    const svid = inter.issueX509Svid({ spiffeId: 'spiffe://example.org/ns/prod/web' });
    const a = X509Svid.parse(svid.chainDer, svid.privateKeyDer, { hint: 'internal' });
    expect(a.id.toString()).toBe('spiffe://example.org/ns/prod/web');
    expect(a.certificates).toHaveLength(2);
    expect(a.hint).toBe('internal');
    expect(a.expiresAt.getTime()).toBe(Date.parse(svid.certificates[0].x509.validTo));
    const b = X509Svid.parse(svid.chainPem, svid.privateKeyPem);
    expect(b.id.equals(a.id)).toBe(true);
    expect(b.getX509Svid()).toBe(b);
  });

  it.each(['ec-p384', 'rsa-2048', 'ed25519'] as const)('accepts %s leaf keys', (keyType) => {
    const svid = ca.issueX509Svid({ spiffeId: 'spiffe://example.org/k', keyType });
    expect(X509Svid.parse(svid.chainDer, svid.privateKeyDer).privateKey.type).toBe('private');
  });

  it('round-trips through marshal() and marshalDer()', () => {
    const svid = X509Svid.parse(...pair(inter.issueX509Svid({ spiffeId: 'spiffe://example.org/rt' })));
    const { certificatesPem, privateKeyPem } = svid.toPem();
    expect(X509Svid.parse(certificatesPem, privateKeyPem).certificates.map((c) => c.raw)).toEqual(
      svid.certificates.map((c) => c.raw),
    );
    const der = svid.marshalDer();
    expect(X509Svid.parse(der.certificatesDer, der.privateKeyDer).id.toString()).toBe(
      'spiffe://example.org/rt',
    );
    expect(privateKeyPem).toContain('BEGIN PRIVATE KEY');
  });

  function pair(s: { chainDer: Buffer; privateKeyDer: Buffer }): [Buffer, Buffer] {
    return [s.chainDer, s.privateKeyDer];
  }

  function leafWith(options: Parameters<TestCa['issueCertificate']>[0]): [Buffer, Buffer] {
    const leaf = ca.issueCertificate({ uris: ['spiffe://example.org/x'], ...options });
    return [leaf.der, leaf.privateKey.export({ format: 'der', type: 'pkcs8' })];
  }

  it.each<[string, Parameters<TestCa['issueCertificate']>[0], string]>([
    [
      'two uri sans',
      { uris: ['spiffe://example.org/a', 'spiffe://example.org/b'] },
      'exactly one uri san, found 2',
    ],
    ['no uri san', { uris: [], dnsNames: ['x.example.org'] }, 'exactly one uri san, found 0'],
    ['a trust domain id', { uris: ['spiffe://example.org'] }, 'has no path'],
    ['a ca leaf', { isCa: true }, 'must not be a ca'],
    ['no digitalSignature', { keyUsage: ['keyEncipherment'] }, 'must include digitalSignature'],
    ['no key usage at all', { keyUsage: null }, 'must include digitalSignature'],
    ['keyCertSign', { keyUsage: ['digitalSignature', 'keyCertSign'] }, 'must not include keyCertSign'],
    ['cRLSign', { keyUsage: ['digitalSignature', 'cRLSign'] }, 'must not include cRLSign'],
  ])('rejects a leaf with %s', (_name, options, message) => {
    const err = thrown(() => X509Svid.parse(...leafWith(options)), X509SvidError, 'ERR_X509_SVID_INVALID');
    expect(err.message).toContain(message);
  });

  it('rejects a leaf whose uri is not a spiffe id, with the id rule', () => {
    const err = thrown(() => X509Svid.parse(...leafWith({ uris: ['https://example.org/x'] })), SpiffeIdError);
    expect(err.rule).toBe('scheme');
  });

  it('rejects a chain whose second certificate is not a signing certificate', () => {
    const leaf = ca.issueCertificate({ uris: ['spiffe://example.org/x'] });
    const other = ca.issueCertificate({ uris: ['spiffe://example.org/y'] });
    const err = thrown(
      () => X509Svid.parse(Buffer.concat([leaf.der, other.der]), leaf.privateKey),
      X509SvidError,
      'ERR_X509_SVID_INVALID',
    );
    expect(err.message).toBe(
      'certificate 1: signing certificate must be a ca (basicConstraints cA is false)',
    );
  });

  it('rejects a private key that does not match the leaf', () => {
    const s = ca.issueX509Svid({ spiffeId: 'spiffe://example.org/x' });
    const wrong = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const err = thrown(() => X509Svid.parse(s.chainDer, wrong), X509SvidError);
    expect(err.message).toContain('private key does not match');
  });

  it('rejects an empty chain and a malformed key', () => {
    thrown(() => X509Svid.fromParts([], crypto.generateKeyPairSync('ed25519').privateKey), X509SvidError);
    const s = ca.issueX509Svid({ spiffeId: 'spiffe://example.org/x' });
    thrown(
      () => X509Svid.parse(s.chainDer, Buffer.from([1, 2, 3])),
      X509SvidError,
      'ERR_PRIVATE_KEY_MALFORMED',
    );
  });
});
