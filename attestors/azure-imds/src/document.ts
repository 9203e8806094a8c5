import { X509Certificate, type KeyObject } from 'node:crypto';
import {
  findCmsSignerCertificate,
  InvalidArgumentError,
  parseCmsSignedData,
  PermissionDeniedError,
  verifyCmsSignerInfo,
  type CmsSignedData,
} from '@lanyard/base';
import type { SignerChainValidator } from './chain';
import { AZURE_IMDS_PLUGIN_NAME, type AttestedDocument, type AttestedDocumentContent } from './shared';

const P = AZURE_IMDS_PLUGIN_NAME;

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
  const signer = signedData.signers[0];
  const signerCert = signerCertificate(signedData);
  if (!verifyCmsSignerInfo(signedData, signer, signerPublicKey(signerCert)))
    throw denied('signature verification failed');
  await chain.validate(signerCert, now);
  if (!signedData.content) throw invalid('attested document has no content');
  return parseContent(signedData.content);
}

function parseSignedData(signatureB64: string): CmsSignedData {
  const compact = signatureB64.replace(/\s+/g, '');
  if (compact === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact))
    throw invalid('attested document signature is not base64');
  let signedData: CmsSignedData;
  try {
    signedData = parseCmsSignedData(Buffer.from(compact, 'base64'), 'signature');
  } catch (error) {
    throw invalid(`failed to parse PKCS7 signature: ${(error as Error).message}`);
  }
  if (signedData.signers.length !== 1)
    throw invalid(
      `failed to parse PKCS7 signature: ${signedData.signers.length} signers, expected exactly one`,
    );
  return signedData;
}

/** The embedded certificate the signer names by issuer and serial number. */
function signerCertificate(signedData: CmsSignedData): X509Certificate {
  let certs: X509Certificate[];
  try {
    certs = signedData.certificates.map((der) => new X509Certificate(der));
  } catch (error) {
    throw invalid(`PKCS7 signature carries a certificate that does not parse: ${(error as Error).message}`);
  }
  const match = findCmsSignerCertificate(signedData.signers[0], certs);
  if (!match) throw invalid('no signer certificate found in PKCS7 signature');
  return match;
}

/**
 * The signer certificate's public key. Node parses a certificate's SubjectPublicKeyInfo only when the key is first
 * read, so a certificate that parsed can still carry a key that does not.
 */
function signerPublicKey(cert: X509Certificate): KeyObject {
  try {
    return cert.publicKey;
  } catch (error) {
    throw invalid(
      `PKCS7 signer certificate has a public key that does not parse: ${(error as Error).message}`,
    );
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
