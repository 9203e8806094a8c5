/** X.501 Name (RDNSequence) encoding with one attribute per RDN, in the order Go's `pkix.Name` uses. */
import { der } from '@lanyard/base';

/** Subject/issuer fields the CA writes. */
export interface NameFields {
  /** C= values (PrintableString). */
  country?: readonly string[];
  /** O= values. */
  organization?: readonly string[];
  /** OU= values. */
  organizationalUnit?: readonly string[];
  /** CN= value. */
  commonName?: string;
  /** serialNumber= value (SPIRE puts the CA certificate serial here). */
  serialNumber?: string;
}

/** Encodes a Name: C, O, OU, CN, serialNumber; each attribute its own RDN. */
export function encodeName(fields: NameFields): Buffer {
  const rdns: Buffer[] = [];
  const add = (type: string, value: Buffer): void => {
    rdns.push(der.set(der.seq(der.oid(type), value)));
  };
  for (const c of fields.country ?? []) add(der.Oid.countryName, der.printableString(c));
  for (const o of fields.organization ?? []) add(der.Oid.organizationName, der.directoryString(o));
  for (const ou of fields.organizationalUnit ?? [])
    add(der.Oid.organizationalUnitName, der.directoryString(ou));
  if (fields.commonName) add(der.Oid.commonName, der.directoryString(fields.commonName));
  if (fields.serialNumber) add(der.Oid.serialNumber, der.printableString(fields.serialNumber));
  return der.seq(...rdns);
}
