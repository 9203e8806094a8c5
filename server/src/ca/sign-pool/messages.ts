/**
 * What crosses the thread boundary between the main thread and a signing worker. The bytes of a chunk travel
 * packed into one buffer each way that is transferred, not copied: the CSRs to the worker, the certificates and
 * serials back (structured clone would copy every backing buffer of every item, often an 8 KiB pool slab for a
 * 600-byte certificate). Errors cross as plain data and are rebuilt on arrival ({@link decodeError}) so callers
 * see Buffers and the CA's typed errors, exactly as from in-thread signing.
 */
import type { KeyObject } from 'node:crypto';
import { LanyardError, errorForStatus } from '@lanyard/base';
import type { CsrIssueSettings } from '../csr-issue';
import type { CsrX509SvidParams } from '../types';

/** The signing authority as sent to a worker; the worker keeps one signer per `authorityId`. */
export interface AuthorityForWorker {
  /** Lower-case hex SubjectKeyIdentifier: changes on every rotation. */
  authorityId: string;
  /** The CA private key (KeyObjects are cloned between threads without re-parsing; never logged). */
  key: KeyObject;
  /** Raw subject Name, the issuer of every leaf. */
  subjectDer: Uint8Array;
  /** SubjectKeyIdentifier bytes, the AKI of every leaf. */
  subjectKeyId: Uint8Array;
  /** NotAfter of the CA (ms): leaves are capped at it. */
  notAfter: number;
}

/** An item of a chunk without its CSR bytes, which travel in {@link SignTask.csrs}. */
export type ItemForWorker = Omit<CsrX509SvidParams, 'csrDer'>;

/** One unit of work: a chunk of a batch, signed with one authority at one instant. */
export interface SignTask {
  authority: AuthorityForWorker;
  settings: CsrIssueSettings;
  /** The CA clock at dispatch (ms), so a chunk signs as if signed on the main thread then. */
  nowMs: number;
  /** Every item's CSR DER, back to back (see {@link packBytes}). */
  csrs: Uint8Array;
  /** End offset in `csrs` of each item's CSR. */
  csrEnds: number[];
  items: ItemForWorker[];
}

/**
 * A failure as a worker reports it: a LanyardError's gRPC status, machine code and message, or only the message
 * of anything else (which stays a plain Error, INTERNAL at the RPC boundary, as in-thread).
 */
export interface EncodedError {
  status?: number;
  code?: string;
  message: string;
}

/**
 * The result of one item. A signed one's certificate is `bytes[certStart, certEnd)` of its
 * {@link SignResult}, its serial `bytes[certEnd, serialEnd)`.
 */
export type SignOutcome =
  | { ok: true; spiffeId: string; notAfter: number; certStart: number; certEnd: number; serialEnd: number }
  | { ok: false; error: EncodedError };

/** A worker's answer to a {@link SignTask}: the outcomes in item order, the signed bytes back to back. */
export interface SignResult {
  /** Certificate DER then serial of every signed item, in item order; offsets in the outcomes. */
  bytes: Uint8Array;
  outcomes: SignOutcome[];
}

/**
 * `parts` back to back in one buffer of its own (never a slice of Node's shared Buffer pool, so it can be
 * transferred), with the end offset of each part.
 */
export function packBytes(parts: readonly Uint8Array[]): { bytes: Uint8Array; ends: number[] } {
  const ends: number[] = [];
  let total = 0;
  for (const part of parts) ends.push((total += part.length));
  const bytes = new Uint8Array(total);
  parts.forEach((part, i) => bytes.set(part, ends[i] - part.length));
  return { bytes, ends };
}

/** A Buffer view (no copy) of `bytes` from `start` to `end`. */
export function viewOf(bytes: Uint8Array, start: number, end: number): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
}

/** Flattens a thrown value for the trip back. */
export function encodeError(err: unknown): EncodedError {
  if (err instanceof LanyardError) return { status: err.grpcStatus, code: err.code, message: err.message };
  return { message: err instanceof Error ? err.message : String(err) };
}

/** The error of a reported failure: a LanyardError of the same class, code and message as in-thread. */
export function decodeError(encoded: EncodedError): Error {
  if (encoded.status === undefined) return new Error(encoded.message);
  return errorForStatus(encoded.status, encoded.message, { code: encoded.code });
}

/** A Buffer view of bytes that arrived from another thread (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : viewOf(bytes, 0, bytes.byteLength);
}
