import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import {
  InvalidArgumentError,
  der,
  findCmsSignerCertificate,
  parseCmsSignedData,
  verifyCmsSignerInfo,
} from '@lanyard/base';
import {
  buildCertificate,
  createSigningIdentity,
  signPkcs7,
  type SigningIdentity,
} from '@lanyard/test-support';

const CONTENT = Buffer.from('{"accountId":"123456789012","region":"us-east-1"}');

let rsa: SigningIdentity;
let other: SigningIdentity;
beforeAll(async () => {
  [rsa, other] = await Promise.all([
    createSigningIdentity({ commonName: 'cms signer' }),
    createSigningIdentity({ commonName: 'cms other' }),
  ]);
});

function verifyWith(p7: Buffer, identity: { certDer: Buffer }): boolean {
  const signedData = parseCmsSignedData(p7, 'p7');
  const cert = new X509Certificate(identity.certDer);
  const signer = signedData.signers[0];
  return (
    findCmsSignerCertificate(signer, [cert]) !== undefined &&
    verifyCmsSignerInfo(signedData, signer, cert.publicKey)
  );
}

describe('cms signed data', () => {
  it('parses content, embedded certificates and the signer, and verifies with signed attributes', () => {
    const p7 = signPkcs7(rsa, CONTENT, { embedCertificates: [rsa] });
    const signedData = parseCmsSignedData(p7, 'p7');
    expect(signedData.contentType).toBe(der.Oid.data);
    expect(signedData.content).toEqual(CONTENT);
    expect(signedData.certificates).toEqual([rsa.certDer]);
    expect(signedData.signers).toHaveLength(1);
    expect(signedData.signers[0].signedAttributes?.contentType).toBe(der.Oid.data);
    expect(verifyWith(p7, rsa)).toBe(true);
  });

  it('verifies without signed attributes and from BER with indefinite lengths (as AWS sends)', () => {
    expect(verifyWith(signPkcs7(rsa, CONTENT, { withoutSignedAttributes: true }), rsa)).toBe(true);
    const ber = signPkcs7(rsa, Buffer.alloc(500, 0x61), { indefiniteLength: true });
    expect(ber.subarray(0, 2).toString('hex')).toBe('3080');
    expect(parseCmsSignedData(ber, 'p7').content).toEqual(Buffer.alloc(500, 0x61));
    expect(verifyWith(ber, rsa)).toBe(true);
  });

  it('verifies DSA and ECDSA signers', () => {
    for (const keys of [
      generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 }),
      generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    ]) {
      const certDer = buildCertificate({
        subject: { commonName: 'signer' },
        issuer: { commonName: 'cms signer' },
        publicKey: keys.publicKey,
        signingKey: rsa.privateKey,
        issuerPublicKey: rsa.publicKey,
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + 3_600_000),
        isCa: false,
        keyUsage: null,
        extKeyUsage: null,
      });
      const signer = { privateKey: keys.privateKey, certDer };
      expect(verifyWith(signPkcs7(signer, CONTENT), signer)).toBe(true);
      expect(verifyWith(signPkcs7(signer, CONTENT, { withoutSignedAttributes: true }), signer)).toBe(true);
    }
  });

  it('refuses tampered content, a wrong key and a certificate the signer does not name', () => {
    for (const options of [{}, { withoutSignedAttributes: true }]) {
      const p7 = signPkcs7(rsa, CONTENT, options);
      const tampered = Buffer.from(p7.toString('latin1').replace('123456789012', '999999999999'), 'latin1');
      expect(verifyWith(tampered, rsa)).toBe(false);
      const signedData = parseCmsSignedData(p7, 'p7');
      expect(verifyCmsSignerInfo(signedData, signedData.signers[0], other.publicKey)).toBe(false);
      expect(
        findCmsSignerCertificate(signedData.signers[0], [new X509Certificate(other.certDer)]),
      ).toBeUndefined();
    }
  });

  it('refuses a message digest attribute that does not match the content even when the signature does', () => {
    const p7 = signPkcs7(rsa, CONTENT);
    const signedData = parseCmsSignedData(p7, 'p7');
    expect(
      verifyCmsSignerInfo(
        { ...signedData, content: Buffer.from('other') },
        signedData.signers[0],
        rsa.publicKey,
      ),
    ).toBe(false);
    expect(
      verifyCmsSignerInfo(
        { ...signedData, contentType: der.Oid.signedData },
        signedData.signers[0],
        rsa.publicKey,
      ),
    ).toBe(false);
  });

  it('refuses malformed input with an InvalidArgumentError naming the field', () => {
    expect(() => parseCmsSignedData(Buffer.from('AAAA', 'base64'), 'rsa2048')).toThrow(InvalidArgumentError);
    expect(() => parseCmsSignedData(der.seq(der.oid(der.Oid.data)), 'rsa2048')).toThrow(
      /rsa2048 is not a SignedData/,
    );
    const p7 = signPkcs7(rsa, CONTENT);
    expect(() => parseCmsSignedData(p7.subarray(0, p7.length - 10), 'rsa2048')).toThrow(
      /rsa2048 is truncated/,
    );
    expect(() => parseCmsSignedData(Buffer.concat([p7, Buffer.from([0])]), 'rsa2048')).toThrow(
      /trailing data/,
    );
  });

  it('refuses unsupported digest algorithms with a typed error', () => {
    const signedData = parseCmsSignedData(signPkcs7(rsa, CONTENT), 'p7');
    const signer = { ...signedData.signers[0], digestAlgorithm: '1.2.840.113549.2.5' };
    expect(() => verifyCmsSignerInfo(signedData, signer, rsa.publicKey)).toThrow(
      /cms digest algorithm 1.2.840.113549.2.5 is not supported/,
    );
  });
});
