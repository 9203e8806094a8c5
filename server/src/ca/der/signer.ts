/** Picks the X.509 signature algorithm for a CA private key and signs TBS bytes with `node:crypto`. */
import { hash, sign, type KeyObject } from 'node:crypto';
import { der, InvalidArgumentError } from '@lanyard/base';

/** A CA signing key with its precomputed AlgorithmIdentifier. */
export interface CertSigner {
  /** Private key (cached KeyObject). */
  key: KeyObject;
  /** Digest name for `crypto.sign`. */
  hash: 'sha256' | 'sha384' | 'sha512';
  /** DER AlgorithmIdentifier for the `signature` / `signatureAlgorithm` fields. */
  algorithmDer: Buffer;
  /** Signs `data` (DER ECDSA signature or RSA PKCS#1 v1.5). */
  sign(data: Buffer): Buffer;
}

/** Builds a {@link CertSigner}: P-256→ecdsa-with-SHA256, P-384→SHA384, P-521→SHA512, RSA→sha256WithRSA. */
export function createCertSigner(key: KeyObject): CertSigner {
  const { hash, algorithmDer } = signatureAlgorithmFor(key);
  return { key, hash, algorithmDer, sign: (data) => sign(hash, data, key) };
}

function signatureAlgorithmFor(key: KeyObject): Pick<CertSigner, 'hash' | 'algorithmDer'> {
  if (key.asymmetricKeyType === 'rsa')
    return { hash: 'sha256', algorithmDer: der.seq(der.oid(der.Oid.sha256WithRsa), der.nullValue()) };
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1')
      return { hash: 'sha256', algorithmDer: der.seq(der.oid(der.Oid.ecdsaWithSha256)) };
    if (curve === 'secp384r1')
      return { hash: 'sha384', algorithmDer: der.seq(der.oid(der.Oid.ecdsaWithSha384)) };
    if (curve === 'secp521r1')
      return { hash: 'sha512', algorithmDer: der.seq(der.oid(der.Oid.ecdsaWithSha512)) };
  }
  throw new InvalidArgumentError(`ca key type "${key.asymmetricKeyType ?? 'unknown'}" is not supported`);
}

/** SubjectKeyIdentifier as Go/SPIRE compute it: SHA-1 over the subjectPublicKey BIT STRING bytes. */
export function subjectKeyId(spkiDer: Buffer): Buffer {
  const spki = der.readSingle(spkiDer, 0x30, 'subject public key info');
  const keyBits = der.readBitStringBytes(
    der.children(spki, 'subject public key info')[1],
    'subject public key',
  );
  return hash('sha1', keyBits, 'buffer');
}
