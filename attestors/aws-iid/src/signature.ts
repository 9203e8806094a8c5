import { X509Certificate, verify } from 'node:crypto';
import { type AwsSignatureKind, AwsRegionCertificates } from './region-certs';
import {
  decodePem,
  findCmsSignerCertificate,
  InvalidArgumentError,
  parseCmsSignedData,
  PermissionDeniedError,
  verifyCmsSignerInfo,
  type CmsSignedData,
  type PemBlock,
} from '@lanyard/base';

/** The certificates to try for a document of `region` signed with one of `kinds`. */
type CertificateLookup = (region: string, kinds: readonly AwsSignatureKind[]) => X509Certificate[];

/**
 * The AWS identity-document signing certificates the server trusts: either a configured PEM bundle (every
 * certificate is tried for every region) or the built-in per-region certificates (the region's own only).
 */
export class AwsSignerCertificates {
  private constructor(private readonly lookup: CertificateLookup) {}

  /** The built-in per-region AWS certificates, as SPIRE uses when no bundle is configured. */
  static builtIn(regionCerts: AwsRegionCertificates = new AwsRegionCertificates()): AwsSignerCertificates {
    return new AwsSignerCertificates((region, kinds) => regionCerts.certificates(region, kinds));
  }

  /**
   * Parses a PEM bundle (`instance_identity_ca_path`), parsed once at configure time.
   * @throws InvalidArgumentError when it holds no certificate or one does not parse.
   */
  static fromPem(pem: string): AwsSignerCertificates {
    let blocks: PemBlock[];
    try {
      blocks = decodePem(pem, 'CERTIFICATE');
    } catch (error) {
      throw configError(`is not valid PEM: ${(error as Error).message}`);
    }
    if (blocks.length === 0) throw configError('holds no PEM certificate');
    try {
      const certs = blocks.map((b) => new X509Certificate(b.der));
      return new AwsSignerCertificates(() => certs);
    } catch (error) {
      throw configError(`has a certificate that does not parse: ${(error as Error).message}`);
    }
  }

  /**
   * Checks the base64 SHA256-RSA PKCS#1 v1.5 `signature` over the document text of `region`.
   * @throws PermissionDeniedError when no trusted certificate's key verifies it.
   */
  verifyRsaSignature(document: string, region: string, signatureB64: string): void {
    const signature = decodeBase64(signatureB64, 'signature');
    const data = Buffer.from(document, 'utf8');
    if (!this.lookup(region, ['rsa']).some((cert) => verify('sha256', data, cert.publicKey, signature))) {
      throw new PermissionDeniedError(
        'aws_iid: instance identity document signature does not verify with any trusted AWS certificate',
        'ERR_AWS_IID_SIGNATURE',
      );
    }
  }

  /**
   * Checks the `rsa2048` (or `pkcs7`) PKCS#7 SignedData of a `region` document: its one signer must name a trusted
   * certificate (built in: the region's RSA-2048 or DSA one) by issuer
   * and serial number, its signature (RSA or DSA, with or without signed attributes) must verify with that
   * certificate's key, and its content must equal the document text byte for byte.
   * @throws InvalidArgumentError when it is not a PKCS#7 SignedData; PermissionDeniedError when it does not verify.
   */
  verifyPkcs7(document: string, region: string, pkcs7B64: string): void {
    const signedData = parseSignedData(decodeBase64(pkcs7B64, 'rsa2048'));
    if (!signedData.content?.equals(Buffer.from(document, 'utf8'))) {
      throw new PermissionDeniedError(
        'aws_iid: instance identity document does not match the content of the rsa2048 signature',
        'ERR_AWS_IID_SIGNATURE',
      );
    }
    const signer = signedData.signers[0];
    const cert = findCmsSignerCertificate(signer, this.lookup(region, ['rsa2048', 'dsa']));
    if (!cert || !verifyCmsSignerInfo(signedData, signer, cert.publicKey)) {
      throw new PermissionDeniedError(
        'aws_iid: rsa2048 signature does not verify with any trusted AWS certificate',
        'ERR_AWS_IID_SIGNATURE',
      );
    }
  }
}

function parseSignedData(der: Buffer): CmsSignedData {
  let signedData: CmsSignedData;
  try {
    signedData = parseCmsSignedData(der, 'rsa2048');
  } catch (error) {
    throw payloadError(`rsa2048 is not a PKCS#7 SignedData: ${(error as Error).message}`);
  }
  if (signedData.signers.length !== 1)
    throw payloadError(`rsa2048 has ${signedData.signers.length} signers, expected exactly one`);
  return signedData;
}

function decodeBase64(text: string, field: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (compact === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    throw payloadError(`${field} is not base64`);
  }
  return Buffer.from(compact, 'base64');
}

function configError(problem: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `aws_iid: plugin_data.instance_identity_ca_path ${problem}`,
    'ERR_PLUGIN_CONFIG',
  );
}

function payloadError(problem: string): InvalidArgumentError {
  return new InvalidArgumentError(`aws_iid: ${problem}`, 'ERR_AWS_IID_PAYLOAD');
}
