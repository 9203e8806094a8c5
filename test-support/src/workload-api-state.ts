import type {
  JWTBundlesResponse,
  Struct,
  Value,
  X509BundlesResponse,
  X509SVIDResponse,
} from '@lanyard/proto';
import type { TestJwks } from './test-jwt-key';

/** One X.509-SVID to serve. A {@link TestX509Svid} from `TestCa.issueX509Svid` fits as is. */
export interface WorkloadX509Svid {
  /** Goes into the `spiffe_id` field (not checked, so mismatches can be served on purpose). */
  readonly spiffeId: string;
  /** DER chain, leaf first, concatenated. */
  readonly chainDer: Buffer;
  /** PKCS#8 DER private key. */
  readonly privateKeyDer: Buffer;
  /** Roots of the SVID's own trust domain (DER each, or already concatenated). */
  readonly bundle: Buffer[] | Buffer;
  readonly hint?: string;
}

/** Complete X.509 state served by `FetchX509SVID` (each message is the whole state, as the spec demands). */
export interface WorkloadX509Context {
  readonly svids: WorkloadX509Svid[];
  /** Map key `spiffe://<td>` (or a bare name, to test lenient clients) to DER roots. */
  readonly federatedBundles?: Record<string, Buffer[] | Buffer>;
  readonly crl?: Buffer[];
}

/** A JWT bundle value: a JWK Set object, or raw bytes/text to serve as is (e.g. invalid JSON). */
export type WorkloadJwtBundle = TestJwks | Buffer | string;

function concat(value: Buffer[] | Buffer): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.concat(value);
}

function trustDomainKey(spiffeId: string): string {
  const match = /^spiffe:\/\/([^/]+)/.exec(spiffeId);
  return `spiffe://${match ? match[1] : spiffeId}`;
}

/** Builds the `X509SVIDResponse` wire message for a context. */
export function x509SvidResponse(context: WorkloadX509Context): X509SVIDResponse {
  return {
    svids: context.svids.map((svid) => ({
      spiffe_id: svid.spiffeId,
      x509_svid: svid.chainDer,
      x509_svid_key: svid.privateKeyDer,
      bundle: concat(svid.bundle),
      hint: svid.hint ?? '',
    })),
    crl: context.crl ?? [],
    federated_bundles: mapValues(context.federatedBundles ?? {}, concat),
  };
}

/** Derives the `X509BundlesResponse` of a context: each SVID's own TD bundle plus every federated bundle. */
export function x509BundlesFromContext(context: WorkloadX509Context): Record<string, Buffer> {
  const bundles: Record<string, Buffer> = {};
  for (const svid of context.svids) bundles[trustDomainKey(svid.spiffeId)] = concat(svid.bundle);
  return { ...mapValues(context.federatedBundles ?? {}, concat), ...bundles };
}

/** Builds the `X509BundlesResponse` wire message. */
export function x509BundlesResponse(
  bundles: Record<string, Buffer[] | Buffer>,
  crl: Buffer[] = [],
): X509BundlesResponse {
  return { crl, bundles: mapValues(bundles, concat) };
}

/** Builds the `JWTBundlesResponse` wire message (JWK Sets serialised as UTF-8 JSON). */
export function jwtBundlesResponse(bundles: Record<string, WorkloadJwtBundle>): JWTBundlesResponse {
  return {
    bundles: mapValues(bundles, (value) =>
      Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    ),
  };
}

function mapValues<T, U>(record: Record<string, T>, fn: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, fn(value)]));
}

/** Converts a JSON value into a `google.protobuf.Value` (numbers become doubles). */
export function toProtoValue(value: unknown): Value {
  if (value === null || value === undefined) return { nullValue: 'NULL_VALUE' };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(toProtoValue) } };
  return { structValue: toProtoStruct(value as Record<string, unknown>) };
}

/** Converts a JSON object into a `google.protobuf.Struct`. */
export function toProtoStruct(object: Record<string, unknown>): Struct {
  return { fields: mapValues(object, toProtoValue) };
}
