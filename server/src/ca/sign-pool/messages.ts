/**
 * What crosses the thread boundary between the main thread and a signing worker. Structured clone turns
 * Buffers into plain Uint8Arrays, and errors into plain Errors: both are rebuilt on arrival ({@link asBuffer},
 * {@link decodeError}) so callers see Buffers and the CA's typed errors, exactly as from in-thread signing.
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

/** One unit of work: a chunk of a batch, signed with one authority at one instant. */
export interface SignTask {
  authority: AuthorityForWorker;
  settings: CsrIssueSettings;
  /** The CA clock at dispatch (ms), so a chunk signs as if signed on the main thread then. */
  nowMs: number;
  items: CsrX509SvidParams[];
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

/** The result of one item, in the order of the task's items. */
export type SignOutcome =
  | { ok: true; certDer: Uint8Array; spiffeId: string; notAfter: number; serial: Uint8Array }
  | { ok: false; error: EncodedError };

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
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
