/** CMS SignerInfo verification (RFC 5652 §5.4, §5.6) on `node:crypto`: RSA PKCS#1 v1.5, DSA and ECDSA signers. */
import { X509Certificate, createHash, verify, type KeyObject } from 'node:crypto';
import * as der from '../der';
import { InvalidArgumentError } from '../errors';
import type { CmsSignedData, CmsSignerInfo } from './signed-data';

const DIGESTS: Readonly<Record<string, string>> = {
  [der.Oid.sha1]: 'sha1',
  [der.Oid.sha256]: 'sha256',
  [der.Oid.sha384]: 'sha384',
  [der.Oid.sha512]: 'sha512',
};

/** Signature algorithms: the key type they need and, for combined OIDs, the digest they imply. */
const SIGNATURES: Readonly<Record<string, { keyType: string; digest?: string }>> = {
  [der.Oid.rsaEncryption]: { keyType: 'rsa' },
  [der.Oid.sha1WithRsa]: { keyType: 'rsa', digest: 'sha1' },
  [der.Oid.sha256WithRsa]: { keyType: 'rsa', digest: 'sha256' },
  [der.Oid.sha384WithRsa]: { keyType: 'rsa', digest: 'sha384' },
  [der.Oid.sha512WithRsa]: { keyType: 'rsa', digest: 'sha512' },
  [der.Oid.dsa]: { keyType: 'dsa' },
  [der.Oid.dsaWithSha1]: { keyType: 'dsa', digest: 'sha1' },
  [der.Oid.dsaWithSha256]: { keyType: 'dsa', digest: 'sha256' },
  [der.Oid.ecPublicKey]: { keyType: 'ec' },
  [der.Oid.ecdsaWithSha256]: { keyType: 'ec', digest: 'sha256' },
  [der.Oid.ecdsaWithSha384]: { keyType: 'ec', digest: 'sha384' },
  [der.Oid.ecdsaWithSha512]: { keyType: 'ec', digest: 'sha512' },
};

/**
 * Checks one signer of `signedData` with `publicKey`. With signed attributes, the content type attribute must equal
 * the encapsulated content type and the message digest attribute must equal the digest of the content, and the
 * signature covers the attributes; without them the signature covers the content itself.
 * @returns false when the digest or the signature does not match (or the key type does not fit the algorithm).
 * @throws InvalidArgumentError (`ERR_CMS_ALGORITHM`) for digest or signature algorithms it does not support.
 */
export function verifyCmsSignerInfo(
  signedData: CmsSignedData,
  signer: CmsSignerInfo,
  publicKey: KeyObject,
): boolean {
  const digest = DIGESTS[signer.digestAlgorithm];
  if (!digest) throw unsupported('digest', signer.digestAlgorithm);
  const algorithm = SIGNATURES[signer.signatureAlgorithm];
  if (!algorithm) throw unsupported('signature', signer.signatureAlgorithm);
  if (algorithm.keyType !== publicKey.asymmetricKeyType) return false;
  if (algorithm.digest && algorithm.digest !== digest) return false;
  const content = signedData.content;
  if (!content) return false;
  let signedBytes = content;
  const attributes = signer.signedAttributes;
  if (attributes) {
    if (attributes.contentType !== signedData.contentType || !attributes.messageDigest) return false;
    if (!createHash(digest).update(content).digest().equals(attributes.messageDigest)) return false;
    signedBytes = attributes.signedBytes;
  }
  try {
    return verify(digest, signedBytes, publicKey, signer.signature);
  } catch {
    return false;
  }
}

/**
 * Finds the certificate a signer names by issuer and serial number among `certificates` (byte-exact comparison).
 * @returns `undefined` when none matches.
 */
export function findCmsSignerCertificate(
  signer: CmsSignerInfo,
  certificates: readonly X509Certificate[],
): X509Certificate | undefined {
  return certificates.find((cert) => {
    const { issuerDer, serial } = issuerAndSerialOf(cert.raw);
    return issuerDer.equals(signer.issuerDer) && serial.equals(signer.serial);
  });
}

function issuerAndSerialOf(certDer: Buffer): { issuerDer: Buffer; serial: Buffer } {
  const cert = der.readSingle(certDer, der.Tag.SEQUENCE, 'certificate');
  const tbs = der.children(
    der.expectTag(der.children(cert, 'certificate')[0], der.Tag.SEQUENCE, 'tbs'),
    'tbs',
  );
  const first = tbs[0]?.tag === 0xa0 ? 1 : 0;
  return {
    serial: der.readIntegerBytes(tbs[first], 'certificate serial number'),
    issuerDer: der.expectTag(tbs[first + 2], der.Tag.SEQUENCE, 'certificate issuer').raw,
  };
}

function unsupported(kind: string, oid: string): InvalidArgumentError {
  return new InvalidArgumentError(`cms ${kind} algorithm ${oid} is not supported`, 'ERR_CMS_ALGORITHM');
}
