/** A PKCS#10 certificate request for `x509 mint`, built with the CA's DER writer on `node:crypto`. */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { subjectAltName } from '../../../ca/der/extensions';
import { der } from '@lanyard/base';

/** A fresh key and the CSR carrying its public key. */
export interface GeneratedCsr {
  privateKey: KeyObject;
  /** PKCS#8 DER of the private key. */
  privateKeyDer: Buffer;
  csrDer: Buffer;
}

/**
 * Generates an EC P-256 key and a CSR with an empty subject and a subjectAltName holding `uri` and `dnsNames`
 * (as SPIRE's CLI does with Go's `x509.CreateCertificateRequest`), signed ecdsa-with-SHA256.
 */
export function generateCsr(uri: string, dnsNames: readonly string[]): GeneratedCsr {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const extensionRequest = der.seq(
    der.oid(der.Oid.extensionRequest),
    der.set(der.seq(subjectAltName([uri], dnsNames, true))),
  );
  const info = der.seq(der.integer(0), der.seq(), spki, der.constructed(0xa0, [extensionRequest]));
  const signature = sign('sha256', info, privateKey);
  const csrDer = der.seq(info, der.seq(der.oid(der.Oid.ecdsaWithSha256)), der.bitString(signature));
  return { privateKey, privateKeyDer: privateKey.export({ type: 'pkcs8', format: 'der' }), csrDer };
}
