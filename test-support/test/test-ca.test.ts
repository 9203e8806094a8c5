import * as crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TestCa } from '../src/test-ca';

function opensslVerify(rootPem: string, chainPems: string[], leafPem: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'testca-'));
  try {
    fs.writeFileSync(path.join(dir, 'root.pem'), rootPem);
    fs.writeFileSync(path.join(dir, 'chain.pem'), chainPems.join('') || rootPem);
    fs.writeFileSync(path.join(dir, 'leaf.pem'), leafPem);
    const args = ['verify', '-CAfile', path.join(dir, 'root.pem'), '-untrusted', path.join(dir, 'chain.pem')];
    return execFileSync('openssl', [...args, path.join(dir, 'leaf.pem')], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function opensslText(pem: string): string {
  return execFileSync('openssl', ['x509', '-noout', '-text'], { input: pem, encoding: 'utf8' });
}

describe('TestCa', () => {
  const ca = TestCa.create({ trustDomain: 'example.org' });

  it('makes a self-signed root CA with the trust domain URI SAN', () => {
    const root = ca.certificate.x509;
    expect(root.ca).toBe(true);
    expect(root.subjectAltName).toBe('URI:spiffe://example.org');
    expect(root.verify(root.publicKey)).toBe(true);
    expect(root.checkIssued(root)).toBe(true);
    const text = opensslText(ca.certificate.pem);
    expect(text).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
  });

  it('issues an X.509-SVID leaf that openssl verifies against the root', () => {
    const svid = ca.issueX509Svid({ spiffeId: 'spiffe://example.org/web' });
    expect(opensslVerify(ca.certificate.pem, [], svid.chainPem)).toMatch(/OK/);
    const leaf = svid.certificates[0].x509;
    expect(leaf.subjectAltName).toBe('URI:spiffe://example.org/web');
    expect(leaf.ca).toBe(false);
    expect(leaf.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']));
    const text = opensslText(leaf.toString());
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment, Key Agreement/);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/X509v3 Subject Alternative Name: critical/);
    expect(leaf.checkPrivateKey(svid.privateKey)).toBe(true);
    expect(crypto.createPrivateKey({ key: svid.privateKeyDer, format: 'der', type: 'pkcs8' }).type).toBe(
      'private',
    );
    expect(svid.bundle).toEqual([ca.certificate.der]);
  });

  it('chains leaves through intermediates, leaf first, root excluded', () => {
    const inter = ca.createIntermediate().createIntermediate({ keyType: 'ec-p384' });
    const svid = inter.issueX509Svid({ spiffeId: 'spiffe://example.org/db', keyType: 'rsa-2048' });
    expect(svid.certificates).toHaveLength(3);
    expect(svid.chainDer).toEqual(Buffer.concat(svid.certificates.map((c) => c.der)));
    expect(svid.certificates[1].x509.ca).toBe(true);
    expect(svid.certificates[0].x509.checkIssued(svid.certificates[1].x509)).toBe(true);
    const pems = svid.certificates.slice(1).map((c) => c.pem);
    expect(opensslVerify(ca.certificate.pem, pems, svid.certificates[0].pem)).toMatch(/OK/);
    expect(inter.root).toBe(ca);
  });

  it('supports RSA and Ed25519 CAs', () => {
    for (const keyType of ['rsa-2048', 'ed25519'] as const) {
      const other = TestCa.create({ trustDomain: 'other.test', keyType });
      const svid = other.issueX509Svid({ spiffeId: 'spiffe://other.test/x' });
      expect(opensslVerify(other.certificate.pem, [], svid.chainPem)).toMatch(/OK/);
    }
  });

  it('issues broken certificates on request', () => {
    const twoUris = ca.issueCertificate({ uris: ['spiffe://example.org/a', 'spiffe://example.org/b'] });
    expect(twoUris.x509.subjectAltName).toBe('URI:spiffe://example.org/a, URI:spiffe://example.org/b');
    const caLeaf = ca.issueCertificate({
      uris: ['spiffe://example.org/a'],
      isCa: true,
      keyUsage: ['keyCertSign'],
    });
    expect(caLeaf.x509.ca).toBe(true);
    const expired = ca.issueX509Svid({
      spiffeId: 'spiffe://example.org/old',
      notBefore: new Date(Date.now() - 7200_000),
      notAfter: new Date(Date.now() - 3600_000),
    });
    expect(() => opensslVerify(ca.certificate.pem, [], expired.chainPem)).toThrow(/expired/);
    const noKu = ca.issueCertificate({ uris: ['spiffe://example.org/a'], keyUsage: null, extKeyUsage: null });
    expect(opensslText(noKu.pem)).not.toMatch(/Key Usage/);
    const named = ca.issueCertificate({
      subject: { commonName: 'svc' },
      dnsNames: ['a.test'],
      ipAddresses: ['127.0.0.1', '::1'],
    });
    expect(named.x509.subject).toBe('CN=svc');
    expect(named.x509.subjectAltName).toBe('DNS:a.test, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  });

  it('signs JWT-SVIDs verifiable with the published JWKS', () => {
    const key = ca.createJwtKey({ kid: 'k1' });
    const token = key.signJwtSvid({ spiffeId: 'spiffe://example.org/web', audience: ['db'] });
    const [h, p, s] = token.split('.');
    const header = JSON.parse(Buffer.from(h, 'base64url').toString());
    expect(header).toEqual({ alg: 'ES256', kid: 'k1', typ: 'JWT' });
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    expect(claims).toMatchObject({ sub: 'spiffe://example.org/web', aud: ['db'] });
    expect(claims.exp - claims.iat).toBe(300);
    const jwk = ca.jwks().keys.find((k) => k.kid === 'k1');
    const publicKey = crypto.createPublicKey({ key: jwk as crypto.JsonWebKey, format: 'jwk' });
    const ok = crypto.verify(
      'sha256',
      Buffer.from(`${h}.${p}`),
      { key: publicKey, dsaEncoding: 'ieee-p1363' },
      Buffer.from(s, 'base64url'),
    );
    expect(ok).toBe(true);
    const noKid = key.signJwtSvid({
      spiffeId: 'spiffe://example.org/web',
      audience: 'db',
      header: { kid: undefined },
    });
    expect(JSON.parse(Buffer.from(noKid.split('.')[0], 'base64url').toString()).kid).toBeUndefined();
  });

  it('renders a SPIFFE bundle document with x509-svid and jwt-svid keys', () => {
    const td = TestCa.create({ trustDomain: 'fed.test' });
    td.createJwtKey({ kid: 'j1', keyType: 'rsa-2048' });
    const doc = td.spiffeBundle({ sequence: 7 });
    expect(doc.spiffe_sequence).toBe(7);
    const [x509Key, jwtKey] = doc.keys;
    expect(x509Key.use).toBe('x509-svid');
    expect(x509Key.kid).toBeUndefined();
    expect(Buffer.from(x509Key.x5c![0], 'base64')).toEqual(td.certificate.der);
    expect(jwtKey).toMatchObject({ use: 'jwt-svid', kid: 'j1', kty: 'RSA' });
  });
});
