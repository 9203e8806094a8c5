import { X509Certificate, webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { InvalidArgumentError, PermissionDeniedError } from '@lanyard/base';
import type { SignerChainValidator } from './chain';
import { AZURE_IMDS_PLUGIN_NAME, type AttestedDocument, type AttestedDocumentContent } from './shared';

type EngineCrypto = ConstructorParameters<typeof pkijs.CryptoEngine>[0]['crypto'];
pkijs.setEngine(
  'node',
  new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as EngineCrypto }),
);

const P = AZURE_IMDS_PLUGIN_NAME;
const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';

/**
 * Verifies an IMDS attested document: a PKCS#7 SignedData with one signer whose certificate is embedded, a valid
 * signature over the content, a signer chain accepted by `chain`, and JSON content with nonce, vmId and subscription.
 * @throws InvalidArgumentError for malformed input; PermissionDeniedError when it does not verify.
 */
export async function verifyAttestedDocument(
  doc: AttestedDocument,
  chain: SignerChainValidator,
  now: number,
): Promise<AttestedDocumentContent> {
  if (doc.encoding !== 'pkcs7') throw invalid(`attested document encoding "${doc.encoding}" is not pkcs7`);
  const signedData = parseSignedData(doc.signature);
  const signerCert = signerCertificate(signedData);
  if (!(await verifies(signedData))) throw denied('signature verification failed');
  await chain.validate(signerCert, now);
  const content = signedData.encapContentInfo.eContent?.getValue();
  if (!content) throw invalid('attested document has no content');
  return parseContent(Buffer.from(content));
}

function parseSignedData(signatureB64: string): pkijs.SignedData {
  const compact = signatureB64.replace(/\s+/g, '');
  if (compact === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact))
    throw invalid('attested document signature is not base64');
  try {
    const asn1 = asn1js.fromBER(new Uint8Array(Buffer.from(compact, 'base64')));
    if (asn1.offset === -1) throw new Error('not DER');
    const info = new pkijs.ContentInfo({ schema: asn1.result });
    if (info.contentType !== OID_SIGNED_DATA) throw new Error('not a SignedData');
    const signedData = new pkijs.SignedData({ schema: info.content });
    if (signedData.signerInfos.length !== 1) throw new Error('expected exactly one signer');
    return signedData;
  } catch (error) {
    throw invalid(`failed to parse PKCS7 signature: ${(error as Error).message}`);
  }
}

function signerCertificate(signedData: pkijs.SignedData): X509Certificate {
  const sid = signedData.signerInfos[0].sid as pkijs.IssuerAndSerialNumber;
  const certs = (signedData.certificates ?? []).filter(
    (c): c is pkijs.Certificate => c instanceof pkijs.Certificate,
  );
  const match = certs.find(
    (c) =>
      sid.serialNumber instanceof asn1js.Integer &&
      c.serialNumber.isEqual(sid.serialNumber) &&
      c.issuer.isEqual(sid.issuer),
  );
  if (!match) throw invalid('no signer certificate found in PKCS7 signature');
  return new X509Certificate(Buffer.from(match.toSchema().toBER(false)));
}

async function verifies(signedData: pkijs.SignedData): Promise<boolean> {
  try {
    return await signedData.verify({ signer: 0, checkChain: false });
  } catch {
    return false;
  }
}

function parseContent(content: Buffer): AttestedDocumentContent {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(content.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw invalid('failed to unmarshal attested document payload');
  }
  const { nonce, vmId, subscriptionId, timeStamp } = value;
  for (const [field, v] of Object.entries({ nonce, vmId, subscriptionId })) {
    if (typeof v !== 'string' || v === '') throw invalid(`missing ${field} in attested document`);
  }
  const expiresOn = (timeStamp as { expiresOn?: unknown } | undefined)?.expiresOn;
  return {
    nonce: nonce as string,
    vmId: vmId as string,
    subscriptionId: subscriptionId as string,
    expiresAt: typeof expiresOn === 'string' ? parseAzureTime(expiresOn) : undefined,
  };
}

/** Parses Azure's `MM/DD/YY HH:MM:SS -0000` timestamps; `undefined` when the format differs. */
export function parseAzureTime(text: string): number | undefined {
  const m = /^(\d{2})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const [, mo, d, y, h, mi, s, sign, oh, om] = m;
  const utc = Date.UTC(2000 + Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const offset = (Number(oh) * 60 + Number(om)) * 60_000 * (sign === '-' ? -1 : 1);
  return utc - offset;
}

function invalid(reason: string): InvalidArgumentError {
  return new InvalidArgumentError(`${P}: ${reason}`, 'ERR_AZURE_IMDS_DOCUMENT');
}

function denied(reason: string): PermissionDeniedError {
  return new PermissionDeniedError(
    `${P}: failed to validate attested document: ${reason}`,
    'ERR_AZURE_IMDS_DOCUMENT',
  );
}
