/**
 * CMS / PKCS#7 SignedData parsing (RFC 5652 §5) on the base DER reader. BER input (indefinite lengths, chunked
 * OCTET STRINGs, as AWS sends) is normalised to DER first, so signed attributes are read in the DER form their
 * signature covers.
 */
import * as der from '../der';

/** The signed attributes of a signer, with the two that verification needs decoded. */
export interface CmsSignedAttributes {
  /** The attributes re-tagged as a DER SET OF: the bytes the signature covers. */
  readonly signedBytes: Buffer;
  /** The `contentType` attribute (dotted OID). */
  readonly contentType?: string;
  /** The `messageDigest` attribute. */
  readonly messageDigest?: Buffer;
}

/** One SignerInfo identified by issuer and serial number. */
export interface CmsSignerInfo {
  /** Issuer Name DER of the signer's certificate. */
  readonly issuerDer: Buffer;
  /** Serial number INTEGER content octets of the signer's certificate. */
  readonly serial: Buffer;
  /** Digest algorithm (dotted OID). */
  readonly digestAlgorithm: string;
  /** Signed attributes, when present. */
  readonly signedAttributes?: CmsSignedAttributes;
  /** Signature algorithm (dotted OID). */
  readonly signatureAlgorithm: string;
  readonly signature: Buffer;
}

/** A parsed SignedData. Buffers are copies, independent of the input. */
export interface CmsSignedData {
  /** Encapsulated content type (dotted OID), `1.2.840.113549.1.7.1` for data. */
  readonly contentType: string;
  /** Encapsulated content; `undefined` for a detached signature. */
  readonly content?: Buffer;
  /** DER certificates carried in the `certificates` field, in order. */
  readonly certificates: readonly Buffer[];
  readonly signers: readonly CmsSignerInfo[];
}

/**
 * Parses a ContentInfo holding a SignedData, from DER or BER.
 * @param field names the input in error messages, e.g. `rsa2048`.
 * @throws InvalidArgumentError (`ERR_MALFORMED_DER`) naming what is malformed.
 */
export function parseCmsSignedData(input: Buffer, field: string): CmsSignedData {
  const normalised = der.berToDer(input, field);
  const [type, wrapper] = der.children(der.readSingle(normalised, der.Tag.SEQUENCE, field), field);
  if (der.readOid(type, `${field} content type`) !== der.Oid.signedData)
    throw der.malformed(field, 'is not a SignedData');
  const body = der.onlyChild(der.expectTag(wrapper, 0xa0, `${field} content`), `${field} content`);
  const parts = der.children(der.expectTag(body, der.Tag.SEQUENCE, `${field} signed data`), field);
  let i = 0;
  der.readSmallUint(parts[i++], `${field} version`);
  der.expectTag(parts[i++], der.Tag.SET, `${field} digest algorithms`);
  const encapsulated = der.children(
    der.expectTag(parts[i++], der.Tag.SEQUENCE, `${field} encapsulated content`),
    `${field} encapsulated content`,
  );
  let certificates: Buffer[] = [];
  if (parts[i]?.tag === 0xa0) certificates = readCertificates(parts[i++], `${field} certificates`);
  if (parts[i]?.tag === 0xa1) i++; // revocation information is not used
  const signerInfos = der.children(der.expectTag(parts[i++], der.Tag.SET, `${field} signer infos`), field);
  if (i !== parts.length) throw der.malformed(`${field} signed data`, 'has unexpected trailing fields');
  return {
    contentType: der.readOid(encapsulated[0], `${field} encapsulated content type`),
    content: readContent(encapsulated[1], `${field} encapsulated content`),
    certificates,
    signers: signerInfos.map((signer, n) => readSignerInfo(signer, `${field} signer ${n}`)),
  };
}

function readContent(node: der.DerNode | undefined, field: string): Buffer | undefined {
  if (!node) return undefined;
  const octets = der.onlyChild(der.expectTag(node, 0xa0, field), field);
  return Buffer.from(der.readOctetString(octets, field));
}

function readCertificates(node: der.DerNode, field: string): Buffer[] {
  // Other CertificateChoices (attribute certificates, [0]..[3]) are skipped: only X.509 certificates matter here.
  return der
    .children(node, field)
    .filter((choice) => choice.tag === der.Tag.SEQUENCE)
    .map((cert) => Buffer.from(cert.raw));
}

function readSignerInfo(node: der.DerNode, field: string): CmsSignerInfo {
  const parts = der.children(der.expectTag(node, der.Tag.SEQUENCE, field), field);
  let i = 1; // version
  der.readSmallUint(parts[0], `${field} version`);
  const sid = parts[i++];
  if (sid?.tag === 0x80)
    throw der.malformed(`${field} identifier`, 'by subject key identifier is not supported');
  const [issuer, serial] = der.children(der.expectTag(sid, der.Tag.SEQUENCE, `${field} identifier`), field);
  const digestAlgorithm = readAlgorithm(parts[i++], `${field} digest algorithm`);
  const signedAttributes = parts[i]?.tag === 0xa0 ? readSignedAttributes(parts[i++], field) : undefined;
  const signatureAlgorithm = readAlgorithm(parts[i++], `${field} signature algorithm`);
  const signature = der.readOctetString(parts[i++], `${field} signature`);
  return {
    issuerDer: Buffer.from(der.expectTag(issuer, der.Tag.SEQUENCE, `${field} issuer`).raw),
    serial: Buffer.from(der.readIntegerBytes(serial, `${field} serial number`)),
    digestAlgorithm,
    signedAttributes,
    signatureAlgorithm,
    signature: Buffer.from(signature),
  };
}

function readAlgorithm(node: der.DerNode | undefined, field: string): string {
  return der.readOid(der.children(der.expectTag(node, der.Tag.SEQUENCE, field), field)[0], field);
}

function readSignedAttributes(node: der.DerNode, field: string): CmsSignedAttributes {
  const signedBytes = Buffer.from(node.raw);
  signedBytes[0] = der.Tag.SET;
  let contentType: string | undefined;
  let messageDigest: Buffer | undefined;
  for (const attribute of der.children(node, `${field} signed attributes`)) {
    const [type, values] = der.children(
      der.expectTag(attribute, der.Tag.SEQUENCE, `${field} signed attribute`),
      `${field} signed attribute`,
    );
    const oid = der.readOid(type, `${field} signed attribute type`);
    if (oid !== der.Oid.contentType && oid !== der.Oid.messageDigest) continue;
    const name = oid === der.Oid.contentType ? 'content type' : 'message digest';
    if ((oid === der.Oid.contentType ? contentType : messageDigest) !== undefined)
      throw der.malformed(`${field} ${name} attribute`, 'appears twice');
    const value = der.onlyChild(der.expectTag(values, der.Tag.SET, `${field} ${name} attribute`), name);
    if (oid === der.Oid.contentType) contentType = der.readOid(value, `${field} ${name} attribute`);
    else messageDigest = Buffer.from(der.readOctetString(value, `${field} ${name} attribute`));
  }
  return { signedBytes, contentType, messageDigest };
}
