/**
 * A minimal PKCS#10 certificate request builder on the base DER writer and `node:crypto`. The server takes only the
 * public key from a CSR (SPIFFE ID, DNS names and TTL come from the registration entry), so the request carries an
 * empty subject and no attributes.
 */
import * as crypto from 'node:crypto';
import * as der from './der';

const VERSION_1 = der.integer(0);
const EMPTY_SUBJECT = der.seq();
const NO_ATTRIBUTES = der.explicit(0, Buffer.alloc(0));

function signatureAlgorithm(key: crypto.KeyObject): { der: Buffer; hash: string } {
  if (key.asymmetricKeyType === 'rsa')
    return { der: der.seq(der.oid(der.Oid.sha256WithRsa), der.nullValue()), hash: 'sha256' };
  if (key.asymmetricKeyDetails?.namedCurve === 'secp384r1')
    return { der: der.seq(der.oid(der.Oid.ecdsaWithSha384)), hash: 'sha384' };
  return { der: der.seq(der.oid(der.Oid.ecdsaWithSha256)), hash: 'sha256' };
}

/**
 * Builds a DER CSR for a key pair (EC P-256/P-384 or RSA), signed with the private key. The public key may be
 * given as its DER SubjectPublicKeyInfo when the caller has exported it already.
 * @example
 * ```ts
 * const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
 * const csr = createCsr(privateKey, publicKey);
 * ```
 */
export function createCsr(privateKey: crypto.KeyObject, publicKey: crypto.KeyObject | Buffer): Buffer {
  const spki = Buffer.isBuffer(publicKey) ? publicKey : publicKey.export({ type: 'spki', format: 'der' });
  const info = der.seq(VERSION_1, EMPTY_SUBJECT, spki, NO_ATTRIBUTES);
  const algorithm = signatureAlgorithm(privateKey);
  const signature = crypto.sign(algorithm.hash, info, privateKey);
  return der.seq(info, algorithm.der, der.bitString(signature));
}
