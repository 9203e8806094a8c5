import { X509Certificate } from 'node:crypto';
import { InvalidArgumentError } from '@lanyard/base';
import { cleanupDirs, ecKey, keyIdentifier, makeCsr, openCa, opensslText, opensslVerify } from './helpers';

afterAll(cleanupDirs);

describe('CA key types', () => {
  it.each([
    ['ec-p256', 'ecdsa-with-SHA256', 'prime256v1'],
    ['ec-p384', 'ecdsa-with-SHA384', 'secp384r1'],
    ['rsa-2048', 'sha256WithRSAEncryption', 'rsaEncryption'],
  ] as const)('%s CA issues SVIDs that openssl verifies', async (caKeyType, sigAlg, keyText) => {
    const ca = await openCa({
      caKeyType,
      caSubject: { country: ['DE'], organization: ['Acme'], commonName: 'Acme CA' },
    });
    const svid = ca.signX509SvidFromCsr({ csrDer: makeCsr(ecKey(), { uris: ['spiffe://example.org/w'] }) });
    const [root] = ca.bundleContents().x509Authorities.map((c) => c.raw);
    expect(opensslVerify([root], [], svid.certChainDer[0])).toMatch(/: OK/);
    const rootText = opensslText(root);
    expect(rootText).toContain(`Signature Algorithm: ${sigAlg}`);
    expect(rootText).toContain(keyText === 'rsaEncryption' ? 'Public Key Algorithm: rsaEncryption' : keyText);
    expect(rootText).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(rootText).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE/);
    const cert = new X509Certificate(root);
    expect(cert.subject).toMatch(/^C=DE\nO=Acme\nCN=Acme CA\nserialNumber=\d+$/);
    expect(cert.subjectAltName).toBe('URI:spiffe://example.org');
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(keyIdentifier(root, 'Authority')).toBe('');
  });

  it('uses the SPIRE default CA subject C=US, O=SPIFFE with a serialNumber', async () => {
    const ca = await openCa();
    const cert = new X509Certificate(ca.bundleContents().x509Authorities[0].raw);
    expect(cert.subject).toBe(
      `C=US\nO=SPIFFE\nserialNumber=${BigInt(`0x${cert.serialNumber}`).toString(10)}`,
    );
  });

  it('rejects unknown key types and bad trust domains naming the config key', async () => {
    await expect(openCa({ caKeyType: 'ec-p521' as never })).rejects.toThrow(
      new InvalidArgumentError('ca_key_type "ec-p521" is not one of ec-p256, ec-p384, rsa-2048, rsa-4096'),
    );
    await expect(openCa({ trustDomain: 'Example.org' })).rejects.toThrow(/^trust_domain /);
  });
});
