import * as crypto from 'node:crypto';
import { InvalidArgumentError } from '@lanyard/base';

function tlvLength(buf: Buffer, offset: number): number {
  if (buf[offset] !== 0x30) throw new Error(`no DER SEQUENCE at byte ${offset}`);
  const first = buf[offset + 1];
  if (first === undefined) throw new Error('truncated DER');
  if (first < 0x80) return 2 + first;
  const count = first & 0x7f;
  if (count === 0 || count > 4) throw new Error(`unsupported DER length at byte ${offset}`);
  let len = 0;
  for (let i = 0; i < count; i++) len = len * 256 + buf[offset + 2 + i];
  return 2 + count + len;
}

/**
 * Splits concatenated DER certificates and checks each parses.
 * @throws InvalidArgumentError naming `what` when the bytes are empty, truncated or not certificates.
 */
export function splitDerCertificates(buf: Buffer, what: string): Buffer[] {
  const certs: Buffer[] = [];
  try {
    for (let offset = 0; offset < buf.length;) {
      const size = tlvLength(buf, offset);
      if (offset + size > buf.length) throw new Error('truncated DER');
      const der = Buffer.from(buf.subarray(offset, offset + size));
      new crypto.X509Certificate(der);
      certs.push(der);
      offset += size;
    }
  } catch (err) {
    throw new InvalidArgumentError(`${what} does not hold DER certificates: ${(err as Error).message}`);
  }
  if (certs.length === 0) throw new InvalidArgumentError(`${what} is empty`);
  return certs;
}
