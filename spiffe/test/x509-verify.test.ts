import * as crypto from 'node:crypto';
import { TrustDomain, X509Bundle, X509BundleSet, verifyX509Svid } from '@lanyard/spiffe';
import { BundleError, X509SvidError } from '../src';
import { HOUR, TestCa, issueCa, issueLeafUnder, opensslVerify, thrown } from './helpers/pki';

const td = TrustDomain.parse('example.org');
const ca = TestCa.create({ trustDomain: 'example.org' });
const inter = ca.createIntermediate();
const bundle = X509Bundle.parse(td, ca.bundleDer());
const other = TestCa.create({ trustDomain: 'other.org' });
const bundles = new X509BundleSet([
  bundle,
  X509Bundle.parse(TrustDomain.parse('other.org'), other.bundleDer()),
]);

describe('verifyX509Svid', () => {
  it('verifies a leaf issued by the root and returns the path to the root', () => {
    const svid = ca.issueX509Svid({ spiffeId: 'spiffe://example.org/web' });
    const result = verifyX509Svid(svid.chainDer, bundles);
    expect(result.id.toString()).toBe('spiffe://example.org/web');
    expect(result.verifiedChain.map((c) => c.fingerprint256)).toEqual([
      svid.certificates[0].x509.fingerprint256,
      ca.certificate.x509.fingerprint256,
    ]);
  });

  it('verifies through intermediates given in any order, as objects or PEM', () => {
    const deep = inter.createIntermediate();
    const svid = deep.issueX509Svid({ spiffeId: 'spiffe://example.org/deep' });
    const [leaf, i1, i2] = svid.certificates.map((c) => c.x509);
    expect(verifyX509Svid([leaf, i2, i1], bundles).verifiedChain).toHaveLength(4);
    expect(verifyX509Svid(svid.chainPem, bundles).verifiedChain[3].fingerprint256).toBe(
      ca.certificate.x509.fingerprint256,
    );
  });

  it('agrees with openssl verify on a good chain and on a foreign root', () => {
    const svid = inter.issueX509Svid({ spiffeId: 'spiffe://example.org/openssl' });
    const leafPem = svid.certificates[0].pem;
    expect(opensslVerify(ca.certificate.pem, inter.certificate.pem, leafPem).ok).toBe(true);
    expect(verifyX509Svid(svid.chainDer, bundle).id.path).toBe('/openssl');
    const foreign = opensslVerify(other.certificate.pem, inter.certificate.pem, leafPem);
    expect(foreign.ok).toBe(false);
    const otherAsExample = new X509Bundle(td, [other.certificate.x509]);
    thrown(() => verifyX509Svid(svid.chainDer, otherAsExample), X509SvidError, 'ERR_X509_SVID_UNTRUSTED');
  });

  it('uses only the bundle of the leaf trust domain', () => {
    const svid = other.issueX509Svid({ spiffeId: 'spiffe://other.org/x' });
    expect(verifyX509Svid(svid.chainDer, bundles).id.trustDomain.name).toBe('other.org');
    // A leaf claiming example.org but signed by other.org's root must not verify even though the set holds both.
    const liar = other.issueCertificate({ uris: ['spiffe://example.org/x'] });
    thrown(() => verifyX509Svid([liar.x509], bundles), X509SvidError, 'ERR_X509_SVID_UNTRUSTED');
  });

  it('reports a missing bundle as untrusted, keeping the source error as cause', () => {
    const svid = TestCa.create({ trustDomain: 'nobody.org' }).issueX509Svid({
      spiffeId: 'spiffe://nobody.org/x',
    });
    const err = thrown(
      () => verifyX509Svid(svid.chainDer, bundles),
      X509SvidError,
      'ERR_X509_SVID_UNTRUSTED',
    );
    expect(err.message).toContain('no bundle for trust domain "nobody.org"');
    expect((err as Error & { cause?: unknown }).cause).toBeInstanceOf(BundleError);
  });

  it('checks validity windows with an injected clock', () => {
    const svid = ca.issueX509Svid({ spiffeId: 'spiffe://example.org/t' });
    const notAfter = Date.parse(svid.certificates[0].x509.validTo);
    const notBefore = Date.parse(svid.certificates[0].x509.validFrom);
    expect(verifyX509Svid(svid.chainDer, bundle, { now: notAfter }).id.path).toBe('/t');
    thrown(
      () => verifyX509Svid(svid.chainDer, bundle, { now: notAfter + 1000 }),
      X509SvidError,
      'ERR_X509_SVID_EXPIRED',
    );
    thrown(
      () => verifyX509Svid(svid.chainDer, bundle, { now: new Date(notBefore - 1000) }),
      X509SvidError,
      'ERR_X509_SVID_NOT_YET_VALID',
    );
  });

  it('rejects a chain whose intermediate has expired while the leaf is still valid', () => {
    const root = issueCa({ subject: { commonName: 'r' }, trustDomain: 'example.org' });
    const shortInter = issueCa({
      subject: { commonName: 'i' },
      issuer: root,
      trustDomain: 'example.org',
      notBefore: new Date(Date.now() - 2 * HOUR),
      notAfter: new Date(Date.now() - HOUR / 2),
    });
    const leaf = issueLeafUnder(shortInter, 'spiffe://example.org/x');
    const err = thrown(
      () => verifyX509Svid([leaf.x509, shortInter.x509], new X509Bundle(td, [root.x509])),
      X509SvidError,
    );
    expect(err.code).toBe('ERR_X509_SVID_EXPIRED');
    expect(err.message).toContain('intermediate 1');
  });

  it('enforces pathLen constraints on the root', () => {
    const root = issueCa({ subject: { commonName: 'r0' }, trustDomain: 'example.org', pathLen: 0 });
    const i1 = issueCa({ subject: { commonName: 'i1' }, issuer: root, trustDomain: 'example.org' });
    const leaf = issueLeafUnder(i1, 'spiffe://example.org/x');
    const rootBundle = new X509Bundle(td, [root.x509]);
    expect(verifyX509Svid([issueLeafUnder(root, 'spiffe://example.org/y').x509], rootBundle).id.path).toBe(
      '/y',
    );
    const err = thrown(() => verifyX509Svid([leaf.x509, i1.x509], rootBundle), X509SvidError);
    expect(err.message).toContain('path length constraint 0 exceeded');
  });

  it('skips a refused intermediate and finds another path with the same key', () => {
    const root = issueCa({ subject: { commonName: 'r' }, trustDomain: 'example.org' });
    const keyPair = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const common = { subject: { commonName: 'i' }, issuer: root, trustDomain: 'example.org', keyPair };
    const expired = issueCa({
      ...common,
      notBefore: new Date(Date.now() - 3 * HOUR),
      notAfter: new Date(Date.now() - HOUR),
    });
    const current = issueCa(common);
    const leaf = issueLeafUnder(current, 'spiffe://example.org/x');
    const result = verifyX509Svid([leaf.x509, expired.x509, current.x509], new X509Bundle(td, [root.x509]));
    expect(result.verifiedChain[1]).toBe(current.x509);
  });

  it('gives up on hostile chains of many mutually issuing certificates instead of searching them all', () => {
    const keyPair = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const loops = Array.from({ length: 30 }, () =>
      issueCa({ subject: { commonName: 'loop' }, trustDomain: 'example.org', keyPair }),
    );
    const leaf = issueLeafUnder(loops[0], 'spiffe://example.org/x');
    const unrelatedRoot = issueCa({ subject: { commonName: 'loop' }, trustDomain: 'example.org' });
    const chain = [leaf.x509, ...loops.map((c) => c.x509)];
    thrown(
      () => verifyX509Svid(chain, new X509Bundle(td, [unrelatedRoot.x509])),
      X509SvidError,
      'ERR_X509_SVID_UNTRUSTED',
    );
  });

  it('rejects an intermediate that is not a ca', () => {
    const root = issueCa({ subject: { commonName: 'r' }, trustDomain: 'example.org' });
    const notCa = issueCa({
      subject: { commonName: 'n' },
      issuer: root,
      trustDomain: 'example.org',
      isCa: false,
    });
    const leaf = issueLeafUnder(notCa, 'spiffe://example.org/x');
    const err = thrown(
      () => verifyX509Svid([leaf.x509, notCa.x509], new X509Bundle(td, [root.x509])),
      X509SvidError,
      'ERR_X509_SVID_UNTRUSTED',
    );
    expect(err.message).toContain('intermediate 1: signing certificate must be a ca');
  });

  it('rejects a leaf whose signature does not verify although names match', () => {
    const good = ca.issueX509Svid({ spiffeId: 'spiffe://example.org/sig' }).certificates[0].der;
    const tampered = Buffer.from(good);
    tampered[tampered.length - 5] ^= 0x01;
    thrown(() => verifyX509Svid(tampered, bundle), X509SvidError, 'ERR_X509_SVID_UNTRUSTED');
  });

  it('rejects leaves breaking SVID rules before looking at trust', () => {
    const caLeaf = ca.issueCertificate({ uris: ['spiffe://example.org/x'], isCa: true });
    thrown(() => verifyX509Svid([caLeaf.x509], bundle), X509SvidError, 'ERR_X509_SVID_INVALID');
    const noPath = ca.issueCertificate({ uris: ['spiffe://example.org'] });
    thrown(() => verifyX509Svid([noPath.x509], bundle), X509SvidError, 'ERR_X509_SVID_INVALID');
    thrown(() => verifyX509Svid([], bundle), X509SvidError);
  });

  it('does not require digitalSignature or EKU on peer leaves (as go-spiffe)', () => {
    const leaf = ca.issueCertificate({
      uris: ['spiffe://example.org/x'],
      keyUsage: ['keyAgreement'],
      extKeyUsage: null,
    });
    expect(verifyX509Svid([leaf.x509], bundle).id.path).toBe('/x');
  });

  it('never throws a bare TypeError on garbage', () => {
    for (const input of [
      Buffer.from([0x30]),
      Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]),
      crypto.randomBytes(64),
      '',
    ]) {
      expect(() => verifyX509Svid(input, bundle)).toThrow(X509SvidError);
    }
  });
});
