import { X509Certificate } from 'node:crypto';

/** Decimal serial number of a DER certificate (SPIRE stores agent serials in decimal). */
export function certSerialDecimal(der: Buffer): string {
  return BigInt(`0x${new X509Certificate(der).serialNumber}`).toString(10);
}
