/** X.501 Name (RDNSequence) encoding with one attribute per RDN, in the order Go's `pkix.Name` uses. */
import { Oid } from './oids';
import { directoryString, oid, printableString, seq, set } from './writer';

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
    rdns.push(set(seq(oid(type), value)));
  };
  for (const c of fields.country ?? []) add(Oid.countryName, printableString(c));
  for (const o of fields.organization ?? []) add(Oid.organizationName, directoryString(o));
  for (const ou of fields.organizationalUnit ?? []) add(Oid.organizationalUnitName, directoryString(ou));
  if (fields.commonName) add(Oid.commonName, directoryString(fields.commonName));
  if (fields.serialNumber) add(Oid.serialNumber, printableString(fields.serialNumber));
  return seq(...rdns);
}
