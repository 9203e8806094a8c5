import { X509Certificate, verify, webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { decodePem, InvalidArgumentError, PermissionDeniedError, type PemBlock } from '@lanyard/base';

type EngineCrypto = ConstructorParameters<typeof pkijs.CryptoEngine>[0]['crypto'];
pkijs.setEngine(
  'node',
  new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as EngineCrypto }),
);

const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';

/** The AWS identity-document signing certificates the server trusts, parsed once at configure time. */
export class AwsSignerCertificates {
  private readonly pkijsCerts: pkijs.Certificate[];

  private constructor(private readonly certs: X509Certificate[]) {
    this.pkijsCerts = certs.map((c) => pkijs.Certificate.fromBER(c.raw));
  }

  /**
   * Parses a PEM bundle.
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
      return new AwsSignerCertificates(blocks.map((b) => new X509Certificate(b.der)));
    } catch (error) {
      throw configError(`has a certificate that does not parse: ${(error as Error).message}`);
    }
  }

  /**
   * Checks the base64 SHA256-RSA PKCS#1 v1.5 `signature` over the document text.
   * @throws PermissionDeniedError when no trusted certificate's key verifies it.
   */
  verifyRsaSignature(document: string, signatureB64: string): void {
    const signature = decodeBase64(signatureB64, 'signature');
    const data = Buffer.from(document, 'utf8');
    if (!this.certs.some((cert) => verify('sha256', data, cert.publicKey, signature))) {
      throw new PermissionDeniedError(
        'aws_iid: instance identity document signature does not verify with any trusted AWS certificate',
        'ERR_AWS_IID_SIGNATURE',
      );
    }
  }

  /**
   * Checks the `rsa2048` PKCS#7 SignedData: it must be signed by a trusted certificate and its content must
   * equal the document text byte for byte.
   * @throws InvalidArgumentError when it is not a PKCS#7 SignedData; PermissionDeniedError when it does not verify.
   */
  async verifyPkcs7(document: string, pkcs7B64: string): Promise<void> {
    const signedData = parseSignedData(decodeBase64(pkcs7B64, 'rsa2048'));
    const content = signedData.encapContentInfo.eContent?.getValue();
    if (!content || !Buffer.from(content).equals(Buffer.from(document, 'utf8'))) {
      throw new PermissionDeniedError(
        'aws_iid: instance identity document does not match the content of the rsa2048 signature',
        'ERR_AWS_IID_SIGNATURE',
      );
    }
    for (const cert of this.pkijsCerts) {
      signedData.certificates = [cert];
      if (await verifiesWith(signedData)) return;
    }
    throw new PermissionDeniedError(
      'aws_iid: rsa2048 signature does not verify with any trusted AWS certificate',
      'ERR_AWS_IID_SIGNATURE',
    );
  }
}

async function verifiesWith(signedData: pkijs.SignedData): Promise<boolean> {
  try {
    return await signedData.verify({ signer: 0, checkChain: false });
  } catch {
    return false;
  }
}

function parseSignedData(der: Buffer): pkijs.SignedData {
  try {
    const asn1 = asn1js.fromBER(new Uint8Array(der));
    if (asn1.offset === -1) throw new Error('not DER');
    const info = new pkijs.ContentInfo({ schema: asn1.result });
    if (info.contentType !== OID_SIGNED_DATA) throw new Error('not a SignedData');
    const signedData = new pkijs.SignedData({ schema: info.content });
    if (signedData.signerInfos.length !== 1) throw new Error('expected exactly one signer');
    return signedData;
  } catch (error) {
    throw new InvalidArgumentError(
      `aws_iid: rsa2048 is not a PKCS#7 SignedData: ${(error as Error).message}`,
      'ERR_AWS_IID_PAYLOAD',
    );
  }
}

function decodeBase64(text: string, field: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (compact === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    throw new InvalidArgumentError(`aws_iid: ${field} is not base64`, 'ERR_AWS_IID_PAYLOAD');
  }
  return Buffer.from(compact, 'base64');
}

function configError(problem: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `aws_iid: plugin_data.instance_identity_ca_path ${problem}`,
    'ERR_PLUGIN_CONFIG',
  );
}
