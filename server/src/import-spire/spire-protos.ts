/**
 * Decoders for the protobuf blobs SPIRE keeps in its datastore: `spire.common.Bundle` (the `bundles.data`
 * column), the CA journal `Entries` (`ca_journals.data`, or the PEM `JOURNAL` block of older `journal.pem`
 * files) and `RegistrationEntry.AdditionalAttributes` (`registered_entries.additional_attributes`). Field
 * numbers are SPIRE's; only the fields Lanyard imports are declared.
 */
import * as protobuf from 'protobufjs';
import { InvalidArgumentError } from '@lanyard/base';

const root = protobuf.Root.fromJSON({
  nested: {
    Certificate: { fields: { derBytes: { type: 'bytes', id: 1 }, taintedKey: { type: 'bool', id: 2 } } },
    PublicKey: {
      fields: {
        pkixBytes: { type: 'bytes', id: 1 },
        kid: { type: 'string', id: 2 },
        notAfter: { type: 'int64', id: 3 },
        taintedKey: { type: 'bool', id: 4 },
      },
    },
    Bundle: {
      fields: {
        trustDomainId: { type: 'string', id: 1 },
        rootCas: { rule: 'repeated', type: 'Certificate', id: 2 },
        jwtSigningKeys: { rule: 'repeated', type: 'PublicKey', id: 3 },
        refreshHint: { type: 'int64', id: 4 },
        sequenceNumber: { type: 'uint64', id: 5 },
      },
    },
    X509CAEntry: {
      fields: {
        slotId: { type: 'string', id: 1 },
        issuedAt: { type: 'int64', id: 2 },
        certificate: { type: 'bytes', id: 3 },
        upstreamChain: { rule: 'repeated', type: 'bytes', id: 4 },
        status: { type: 'int32', id: 5 },
        authorityId: { type: 'string', id: 6 },
        notAfter: { type: 'int64', id: 7 },
        upstreamAuthorityId: { type: 'string', id: 8 },
      },
    },
    JWTKeyEntry: {
      fields: {
        slotId: { type: 'string', id: 1 },
        issuedAt: { type: 'int64', id: 2 },
        notAfter: { type: 'int64', id: 3 },
        kid: { type: 'string', id: 4 },
        publicKey: { type: 'bytes', id: 5 },
        status: { type: 'int32', id: 6 },
        authorityId: { type: 'string', id: 7 },
      },
    },
    Entries: {
      fields: {
        x509CAs: { rule: 'repeated', type: 'X509CAEntry', id: 1 },
        jwtKeys: { rule: 'repeated', type: 'JWTKeyEntry', id: 2 },
      },
    },
    AdditionalAttributes: {
      fields: {
        disableX509SvidPrefetch: { type: 'bool', id: 1 },
        jwtSvidIncludeJti: { type: 'bool', id: 2 },
      },
    },
  },
});

const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, bytes: Buffer, defaults: true, arrays: true };

/** SPIRE's journal entry statuses (`journal.Status`). */
export type SpireAuthorityStatus = 'unknown' | 'prepared' | 'active' | 'old';

const STATUS: Record<number, SpireAuthorityStatus> = { 2: 'prepared', 3: 'active', 4: 'old' };

/** A decoded `spire.common.Bundle`. */
export interface SpireBundle {
  trustDomainId: string;
  rootCas: Array<{ derBytes: Buffer; taintedKey: boolean }>;
  jwtSigningKeys: Array<{ pkixBytes: Buffer; kid: string; notAfter: number; taintedKey: boolean }>;
  refreshHint: number;
  sequenceNumber: number;
}

/** One X.509 CA of SPIRE's journal (times in Unix seconds). */
export interface SpireX509CaEntry {
  slotId: string;
  issuedAt: number;
  certificate: Buffer;
  upstreamChain: Buffer[];
  status: SpireAuthorityStatus;
  authorityId: string;
  notAfter: number;
  upstreamAuthorityId: string;
}

/** One JWT key of SPIRE's journal (times in Unix seconds). */
export interface SpireJwtKeyEntry {
  slotId: string;
  issuedAt: number;
  notAfter: number;
  kid: string;
  publicKey: Buffer;
  status: SpireAuthorityStatus;
  authorityId: string;
}

/** SPIRE's CA journal. */
export interface SpireJournal {
  x509CAs: SpireX509CaEntry[];
  jwtKeys: SpireJwtKeyEntry[];
}

function decode(typeName: string, data: Uint8Array, what: string): Record<string, unknown> {
  const type = root.lookupType(typeName);
  try {
    return type.toObject(type.decode(data), TO_OBJECT);
  } catch (err) {
    throw new InvalidArgumentError(
      `${what} is not a valid SPIRE ${typeName}: ${(err as Error).message}`,
      'ERR_SPIRE_DATA',
    );
  }
}

/** Decodes a `bundles.data` blob. */
export function decodeSpireBundle(data: Uint8Array, what: string): SpireBundle {
  return decode('Bundle', data, what) as unknown as SpireBundle;
}

/** Decodes a CA journal (`ca_journals.data` or the body of a `JOURNAL` PEM block). */
export function decodeSpireJournal(data: Uint8Array, what: string): SpireJournal {
  const raw = decode('Entries', data, what) as {
    x509CAs: Array<Record<string, unknown>>;
    jwtKeys: Array<Record<string, unknown>>;
  };
  const status = (value: unknown) => STATUS[Number(value)] ?? 'unknown';
  return {
    x509CAs: raw.x509CAs.map((e) => ({ ...(e as unknown as SpireX509CaEntry), status: status(e.status) })),
    jwtKeys: raw.jwtKeys.map((e) => ({ ...(e as unknown as SpireJwtKeyEntry), status: status(e.status) })),
  };
}

/** Decodes `registered_entries.additional_attributes` (empty or absent means both false). */
export function decodeAdditionalAttributes(data: Uint8Array | null | undefined): {
  disableX509SvidPrefetch: boolean;
  jwtSvidIncludeJti: boolean;
} {
  if (!data || data.length === 0) return { disableX509SvidPrefetch: false, jwtSvidIncludeJti: false };
  return decode('AdditionalAttributes', data, 'additional_attributes') as {
    disableX509SvidPrefetch: boolean;
    jwtSvidIncludeJti: boolean;
  };
}

/** Encoders, for building SPIRE-shaped fixtures (tests) from the same declarations. */
export function encodeSpireMessage(
  typeName: 'Bundle' | 'Entries' | 'AdditionalAttributes',
  value: object,
): Buffer {
  const type = root.lookupType(typeName);
  return Buffer.from(type.encode(type.fromObject(value)).finish());
}
