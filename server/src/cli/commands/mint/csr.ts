/** A PKCS#10 certificate request for `x509 mint`, built with the CA's DER writer on `node:crypto`. */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { subjectAltName } from '../../../ca/der/extensions';
import { Oid } from '../../../ca/der/oids';
import { bitString, constructed, integer, oid, seq, set } from '../../../ca/der/writer';

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
  const extensionRequest = seq(oid(Oid.extensionRequest), set(seq(subjectAltName([uri], dnsNames, true))));
  const info = seq(integer(0), seq(), spki, constructed(0xa0, [extensionRequest]));
  const signature = sign('sha256', info, privateKey);
  const csrDer = seq(info, seq(oid(Oid.ecdsaWithSha256)), bitString(signature));
  return { privateKey, privateKeyDer: privateKey.export({ type: 'pkcs8', format: 'der' }), csrDer };
}
