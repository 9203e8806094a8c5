/** Checks on a secret document an SVIDStore wrote: SPIRE's field names, a chain that verifies, a matching key. */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { decodePem } from '@lanyard/base';

/** The parsed document and its leaf. */
export interface CheckedSecret {
  readonly doc: Record<string, unknown>;
  readonly leaf: X509Certificate;
}

/** Parses a stored secret and verifies its chain against its bundle and its key against its leaf. */
export function checkStoredSecret(payload: Buffer, spiffeId: string): CheckedSecret {
  const doc = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
  expect(Object.keys(doc)).toEqual(['spiffeID', 'x509SVID', 'x509SVIDKey', 'bundle']);
  expect(doc.spiffeID).toBe(spiffeId);
  const [leaf] = decodePem(String(doc.x509SVID), 'CERTIFICATE').map((b) => new X509Certificate(b.der));
  const roots = decodePem(String(doc.bundle), 'CERTIFICATE').map((b) => new X509Certificate(b.der));
  expect(roots.length).toBeGreaterThan(0);
  expect(roots.some((root) => leaf.checkIssued(root) && leaf.verify(root.publicKey))).toBe(true);
  expect(leaf.subjectAltName).toBe(`URI:${spiffeId}`);
  expect(String(doc.x509SVIDKey)).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  expect(leaf.checkPrivateKey(createPrivateKey(String(doc.x509SVIDKey)))).toBe(true);
  return { doc, leaf };
}
