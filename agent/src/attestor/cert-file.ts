import * as crypto from 'node:crypto';
import { der, InvalidArgumentError } from '@lanyard/base';

/**
 * Splits concatenated DER certificates (a stored chain or bundle) and checks each parses.
 * @throws InvalidArgumentError naming `what` when the bytes are empty, truncated or not certificates.
 */
export function splitDerCertificates(buf: Buffer, what: string): Buffer[] {
  let certs: Buffer[];
  try {
    certs = der.splitConcatenated(buf, what);
    for (const cert of certs) new crypto.X509Certificate(cert);
  } catch (err) {
    throw new InvalidArgumentError(`${what} does not hold DER certificates: ${(err as Error).message}`);
  }
  if (certs.length === 0) throw new InvalidArgumentError(`${what} is empty`);
  return certs;
}
