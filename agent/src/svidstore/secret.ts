/**
 * The document SPIRE's SVIDStore plugins write into a secret: JSON with the SPIFFE ID, the PEM chain, the PEM
 * PKCS#8 key, the PEM trust bundle and the PEM federated bundles keyed by trust domain ID. Field names are those
 * of SPIRE's `svidstore.Data` (`spiffeID`, `x509SVID`, `x509SVIDKey`, `bundle`, `federatedBundles`); empty fields
 * are left out as Go's `omitempty` does, so a reader written for SPIRE parses Lanyard's secrets unchanged.
 */
import { encodePemBlocks } from '@lanyard/base';
import type { StorableSvid } from './plugin';

/** The parsed form of a stored secret. */
export interface StoredSecretDocument {
  spiffeID?: string;
  x509SVID?: string;
  x509SVIDKey?: string;
  bundle?: string;
  federatedBundles?: Record<string, string>;
}

/** Encodes an SVID as SPIRE's secret document (UTF-8 JSON bytes). */
export function encodeSecret(svid: StorableSvid): Buffer {
  const doc: StoredSecretDocument = {};
  if (svid.spiffeId !== '') doc.spiffeID = svid.spiffeId;
  const chain = encodePemBlocks('CERTIFICATE', svid.certChainDer);
  if (chain !== '') doc.x509SVID = chain;
  doc.x509SVIDKey = svid.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const bundle = encodePemBlocks(
    'CERTIFICATE',
    svid.bundle.map((cert) => cert.raw),
  );
  if (bundle !== '') doc.bundle = bundle;
  if (svid.federatedBundles.size > 0) {
    doc.federatedBundles = {};
    for (const [td, certs] of [...svid.federatedBundles].sort(([a], [b]) => (a < b ? -1 : 1))) {
      doc.federatedBundles[td] = encodePemBlocks(
        'CERTIFICATE',
        certs.map((cert) => cert.raw),
      );
    }
  }
  return Buffer.from(JSON.stringify(doc));
}
