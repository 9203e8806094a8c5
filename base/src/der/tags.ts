/** Identifier octets (single-byte tags) of the ASN.1 types Lanyard reads and writes. */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Bit 6 of an identifier octet: the value is constructed (holds nested TLVs). */
export const CONSTRUCTED = 0x20;

/** The identifier octet of context-specific constructed `[n]` (EXPLICIT tagging, `0xa0 | n`). */
export function contextConstructed(n: number): number {
  return 0xa0 | n;
}

/** The identifier octet of context-specific primitive `[n]` (IMPLICIT on a primitive, `0x80 | n`). */
export function contextPrimitive(n: number): number {
  return 0x80 | n;
}
