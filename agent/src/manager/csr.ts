/**
 * A minimal PKCS#10 certificate request builder on `node:crypto`. The server takes only the public key from
 * a CSR (SPIFFE ID, DNS names and TTL come from the registration entry), so the request carries an empty
 * subject and no attributes.
 */
import * as crypto from 'node:crypto';

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const SEQUENCE = 0x30;
const OID_ECDSA_SHA256 = Buffer.from('06082a8648ce3d040302', 'hex');
const OID_ECDSA_SHA384 = Buffer.from('06082a8648ce3d040303', 'hex');
const OID_RSA_SHA256 = Buffer.from('06092a864886f70d01010b', 'hex');
const NULL = Buffer.from('0500', 'hex');

function signatureAlgorithm(key: crypto.KeyObject): { der: Buffer; hash: string } {
  if (key.asymmetricKeyType === 'rsa') return { der: tlv(SEQUENCE, OID_RSA_SHA256, NULL), hash: 'sha256' };
  if (key.asymmetricKeyDetails?.namedCurve === 'secp384r1') {
    return { der: tlv(SEQUENCE, OID_ECDSA_SHA384), hash: 'sha384' };
  }
  return { der: tlv(SEQUENCE, OID_ECDSA_SHA256), hash: 'sha256' };
}

/**
 * Builds a DER CSR for a key pair (EC P-256/P-384 or RSA), signed with the private key.
 * @example
 * ```ts
 * const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
 * const csr = createCsr(privateKey, publicKey);
 * ```
 */
export function createCsr(privateKey: crypto.KeyObject, publicKey: crypto.KeyObject): Buffer {
  const info = tlv(
    SEQUENCE,
    Buffer.from('020100', 'hex'), // version 0
    tlv(SEQUENCE), // empty subject
    publicKey.export({ type: 'spki', format: 'der' }),
    Buffer.from('a000', 'hex'), // no attributes
  );
  const algorithm = signatureAlgorithm(privateKey);
  const signature = crypto.sign(algorithm.hash, info, privateKey);
  const bitString = tlv(0x03, Buffer.from([0]), signature);
  return tlv(SEQUENCE, info, algorithm.der, bitString);
}
