import { X509Certificate, createHash } from 'node:crypto';
import { TrustDomain, X509Bundle, X509Svid, verifyX509Svid } from '@lanyard/spiffe';
import { InvalidArgumentError, UnavailableError } from '@lanyard/base';
import type { ServerCa } from '../../src/ca';
import {
  ManualClock,
  cleanupDirs,
  ecKey,
  keyIdentifier,
  openCa,
  opensslText,
  opensslVerify,
} from './helpers';

afterAll(cleanupDirs);

function sha1KeyId(cert: X509Certificate): string {
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  // For the keys used here the BIT STRING contents are the tail of the SPKI after the 0x00 unused-bits octet.
  const ecPoint = spki.subarray(spki.length - 65);
  return createHash('sha1').update(ecPoint).digest('hex');
}

describe('X.509-SVID issuance (EC P-256 CA)', () => {
  let ca: ServerCa;
  const clock = new ManualClock();

  beforeAll(async () => {
    ca = await openCa({ now: clock.now, caTtlSeconds: 86_400, defaultX509SvidTtlSeconds: 3600 });
  });

  it('issues a leaf with exactly one URI SAN, SPIRE subject and CA=false', () => {
    const key = ecKey();
    const svid = ca.signX509Svid({ spiffeId: 'spiffe://example.org/workload', publicKey: key.publicKey });
    // A self-signed CA is the bundle root: only the leaf is sent, as SPIRE does.
    expect(svid.certChainDer).toHaveLength(1);
    const leaf = new X509Certificate(svid.certChainDer[0]);
    expect(leaf.subjectAltName).toBe('URI:spiffe://example.org/workload');
    expect(leaf.subject).toBe('C=US\nO=SPIRE');
    expect(leaf.ca).toBe(false);
    expect(leaf.publicKey.export({ type: 'spki', format: 'der' })).toEqual(
      key.publicKey.export({ type: 'spki', format: 'der' }),
    );
    expect(svid.spiffeId).toBe('spiffe://example.org/workload');
  });

  it('sets SPIRE key usages, EKU serverAuth+clientAuth, critical keyUsage/basicConstraints', () => {
    const svid = ca.signX509Svid({ spiffeId: 'spiffe://example.org/w', publicKey: ecKey().publicKey });
    const leaf = new X509Certificate(svid.certChainDer[0]);
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    const text = leaf.toLegacyObject() as unknown as Record<string, unknown>;
    expect(text.ext_key_usage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    const dump = opensslText(svid.certChainDer[0]);
    expect(dump).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment, Key Agreement/);
    expect(dump).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(dump).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);
  });

  it('writes SKI = SHA-1 of the key and AKI = issuing CA SKI', () => {
    const svid = ca.signX509Svid({ spiffeId: 'spiffe://example.org/w', publicKey: ecKey().publicKey });
    const leaf = new X509Certificate(svid.certChainDer[0]);
    const root = new X509Certificate(ca.bundleContents().x509Authorities[0].raw);
    expect(keyIdentifier(svid.certChainDer[0], 'Subject')).toBe(sha1KeyId(leaf));
    expect(keyIdentifier(svid.certChainDer[0], 'Authority')).toBe(
      keyIdentifier(ca.bundleContents().x509Authorities[0].raw, 'Subject'),
    );
    expect(keyIdentifier(ca.bundleContents().x509Authorities[0].raw, 'Subject')).toBe(
      ca.getX509AuthorityState().active?.authorityId,
    );
    expect(keyIdentifier(ca.bundleContents().x509Authorities[0].raw, 'Subject')).toBe(sha1KeyId(root));
  });

  it('adds DNS SANs and uses the first as CN', () => {
    const svid = ca.signX509Svid({
      spiffeId: 'spiffe://example.org/web',
      publicKey: ecKey().publicKey,
      dnsNames: ['web.example.org', '*.web.example.org'],
    });
    const leaf = new X509Certificate(svid.certChainDer[0]);
    expect(leaf.subjectAltName).toBe(
      'URI:spiffe://example.org/web, DNS:web.example.org, DNS:*.web.example.org',
    );
    expect(leaf.subject).toBe('C=US\nO=SPIRE\nCN=web.example.org');
  });

  it('backdates NotBefore by 10 s and sets NotAfter = now + TTL', () => {
    const svid = ca.signX509Svid({
      spiffeId: 'spiffe://example.org/w',
      publicKey: ecKey().publicKey,
      ttlSeconds: 600,
    });
    const leaf = new X509Certificate(svid.certChainDer[0]);
    expect(Date.parse(leaf.validFrom)).toBe(clock.ms - 10_000);
    expect(Date.parse(leaf.validTo)).toBe(clock.ms + 600_000);
    expect(svid.expiresAt).toBe((clock.ms + 600_000) / 1000);
  });

  it('caps the SVID lifetime at the CA NotAfter', () => {
    const svid = ca.signX509Svid({
      spiffeId: 'spiffe://example.org/w',
      publicKey: ecKey().publicKey,
      ttlSeconds: 10 * 86_400,
    });
    const leaf = new X509Certificate(svid.certChainDer[0]);
    const root = new X509Certificate(ca.bundleContents().x509Authorities[0].raw);
    expect(leaf.validTo).toBe(root.validTo);
  });

  it('verifies with openssl against the bundle root', () => {
    const svid = ca.signX509Svid({ spiffeId: 'spiffe://example.org/w', publicKey: ecKey().publicKey });
    const roots = ca.bundleContents().x509Authorities.map((c) => c.raw);
    expect(opensslVerify(roots, [], svid.certChainDer[0], clock.ms / 1000)).toMatch(/: OK/);
    expect(new X509Certificate(svid.certChainDer[0]).verify(new X509Certificate(roots[0]).publicKey)).toBe(
      true,
    );
  });

  it('passes @lanyard/spiffe X509Svid.fromParts and verifyX509Svid against an X509Bundle of the roots of bundleContents()', () => {
    const key = ecKey();
    const svid = ca.signX509Svid({
      spiffeId: 'spiffe://example.org/w',
      publicKey: key.publicKey,
      dnsNames: ['w.example.org'],
    });
    const certs = svid.certChainDer.map((der) => new X509Certificate(der));
    expect(X509Svid.fromParts(certs, key.privateKey).id.toString()).toBe('spiffe://example.org/w');
    const td = TrustDomain.parse('example.org');
    const bundle = new X509Bundle(td, ca.bundleContents().x509Authorities);
    const verified = verifyX509Svid(certs, bundle, { now: clock.ms });
    expect(verified.id.toString()).toBe('spiffe://example.org/w');
  });

  it('issues agent SVIDs with agent_ttl and refuses foreign or path-less IDs', () => {
    const svid = ca.signAgentX509Svid({
      agentId: 'spiffe://example.org/spire/agent/join_token/abc',
      publicKey: ecKey().publicKey,
    });
    expect(svid.expiresAt).toBe(clock.ms / 1000 + 3600);
    expect(() => ca.signX509Svid({ spiffeId: 'spiffe://other.org/w', publicKey: ecKey().publicKey })).toThrow(
      /is not a member of trust domain "example.org"/,
    );
    expect(() => ca.signX509Svid({ spiffeId: 'spiffe://example.org', publicKey: ecKey().publicKey })).toThrow(
      InvalidArgumentError,
    );
    expect(() =>
      ca.signX509Svid({
        spiffeId: 'spiffe://example.org/w',
        publicKey: ecKey().publicKey,
        dnsNames: ['bad name'],
      }),
    ).toThrow(/dns name 0 "bad name" is invalid/);
  });

  it('refuses to sign once the CA has expired (rotation not run)', () => {
    const later = new ManualClock(clock.ms + 2 * 86_400_000);
    return openCa({ now: later.now }).then((fresh) => {
      later.advance(3 * 86_400);
      expect(() =>
        fresh.signX509Svid({ spiffeId: 'spiffe://example.org/w', publicKey: ecKey().publicKey }),
      ).toThrow(UnavailableError);
    });
  });

  it('signs a downstream CA that chains to the root and can issue', () => {
    const key = ecKey();
    const result = ca.signDownstreamX509Ca({ publicKey: key.publicKey, ttlSeconds: 7200 });
    const cert = new X509Certificate(result.caCertChainDer[0]);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toContain('OU=DOWNSTREAM-1');
    expect(cert.subjectAltName).toBe('URI:spiffe://example.org');
    expect(result.x509Authorities).toEqual(ca.bundleContents().x509Authorities.map((c) => c.raw));
    expect(opensslVerify(result.x509Authorities, [], result.caCertChainDer[0], clock.ms / 1000)).toMatch(
      /: OK/,
    );
  });
});
