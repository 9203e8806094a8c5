import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { SigningIdentity } from './signing-identity';

const OID_DATA = '1.2.840.113549.1.7.1';
const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const OID_CONTENT_TYPE = '1.2.840.113549.1.9.3';
const OID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const OID_SIGNING_TIME = '1.2.840.113549.1.9.5';

/** Options for {@link signPkcs7}. */
export interface Pkcs7Options {
  /** Embed the signer's certificate (and these extra ones) in `certificates`; default: embed nothing. */
  readonly embedCertificates?: SigningIdentity[];
}

/**
 * Signs `content` into a DER PKCS#7 / CMS SignedData with the content attached and signed attributes
 * (content type, signing time, message digest), the shape AWS (`rsa2048`) and Azure (`attested/document`) return.
 */
export async function signPkcs7(
  signer: SigningIdentity,
  content: Buffer,
  options: Pkcs7Options = {},
): Promise<Buffer> {
  const cert = pkijs.Certificate.fromBER(signer.certDer);
  const digest = createHash('sha256').update(content).digest();
  const signedData = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({
      eContentType: OID_DATA,
      eContent: new asn1js.OctetString({ valueHex: content }),
    }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({
          type: 0,
          attributes: [
            new pkijs.Attribute({
              type: OID_CONTENT_TYPE,
              values: [new asn1js.ObjectIdentifier({ value: OID_DATA })],
            }),
            new pkijs.Attribute({
              type: OID_SIGNING_TIME,
              values: [new asn1js.UTCTime({ valueDate: new Date() })],
            }),
            new pkijs.Attribute({
              type: OID_MESSAGE_DIGEST,
              values: [new asn1js.OctetString({ valueHex: digest })],
            }),
          ],
        }),
      }),
    ],
    certificates: (options.embedCertificates ?? []).map((c) => pkijs.Certificate.fromBER(c.certDer)),
  });
  await signedData.sign(signer.cryptoKey, 0, 'SHA-256');
  const contentInfo = new pkijs.ContentInfo({
    contentType: OID_SIGNED_DATA,
    content: signedData.toSchema(true),
  });
  return Buffer.from(contentInfo.toSchema().toBER(false));
}
