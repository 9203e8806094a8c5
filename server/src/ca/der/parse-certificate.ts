/** Reads the parts of a DER certificate the CA needs that `crypto.X509Certificate` does not expose raw. */
import { der } from '@lanyard/base';

/** Raw pieces of a parsed certificate (slices into the input; copy before keeping long-term). */
export interface ParsedCertificate {
  /** Issuer Name DER. */
  issuerDer: Buffer;
  /** Subject Name DER. */
  subjectDer: Buffer;
  /** SubjectPublicKeyInfo DER. */
  spkiDer: Buffer;
  /** subjectKeyIdentifier value, when the extension is present. */
  subjectKeyId?: Buffer;
}

/** Parses a DER certificate; `field` names it in error messages. */
export function parseCertificate(certDer: Buffer, field = 'certificate'): ParsedCertificate {
  const cert = der.readSingle(certDer, 0x30, field);
  const tbs = der.expectTag(der.children(cert, field)[0], 0x30, `${field} tbs`);
  const parts = der.children(tbs, `${field} tbs`);
  const start = parts[0]?.tag === 0xa0 ? 1 : 0;
  const issuer = der.expectTag(parts[start + 2], 0x30, `${field} issuer`);
  const subject = der.expectTag(parts[start + 4], 0x30, `${field} subject`);
  const spki = der.expectTag(parts[start + 5], 0x30, `${field} subject public key info`);
  const extensions = parts.slice(start + 6).find((p) => p.tag === 0xa3);
  return {
    issuerDer: issuer.raw,
    subjectDer: subject.raw,
    spkiDer: spki.raw,
    subjectKeyId: extensions ? findSubjectKeyId(extensions, field) : undefined,
  };
}

function findSubjectKeyId(wrapper: der.DerNode, field: string): Buffer | undefined {
  const list = der.readNode(wrapper.content, 0, `${field} extensions`);
  for (const ext of der.children(list, `${field} extensions`)) {
    const fields = der.children(ext, `${field} extension`);
    if (der.readOid(fields[0], `${field} extension id`) !== der.Oid.subjectKeyIdentifier) continue;
    const value = der.expectTag(fields[fields.length - 1], 0x04, `${field} subject key identifier`);
    return der.expectTag(
      der.readNode(value.content, 0, `${field} subject key identifier`),
      0x04,
      `${field} subject key identifier`,
    ).content;
  }
  return undefined;
}
