import { createHash, type X509Certificate } from 'node:crypto';
import { type PayloadLimits, parseJsonPayload, type Selector } from '@lanyard/attestor-core';
import { InvalidArgumentError } from '@lanyard/base';

/** Plugin name as SPIRE spells it (`NodeAttestor "x509pop"`, `AttestationData.type`). */
export const X509POP_PLUGIN_NAME = 'x509pop';

/** Length of each nonce, challenger's and responder's (SPIRE: 32 bytes). */
export const NONCE_BYTES = 32;

/** The attestation payload, SPIRE's JSON: DER certificates (base64), leaf first. */
export interface X509PopAttestationData {
  readonly certificates: string[];
}

/** A nonce as JSON carries Go's `[]byte`: standard base64. */
export interface NonceMessage {
  readonly nonce: string;
}

/** The server's challenge: exactly one of the two is set (the other is `null`), matching the leaf's key type. */
export interface X509PopChallenge {
  readonly rsa_signature?: NonceMessage | null;
  readonly ecdsa_signature?: NonceMessage | null;
}

/** The agent's answer: its own nonce and a signature over SHA-256(challenge nonce ‖ response nonce). */
export interface X509PopResponse {
  readonly rsa_signature?: (NonceMessage & { readonly signature: string }) | null;
  readonly ecdsa_signature?: (NonceMessage & { readonly r: string; readonly s: string }) | null;
}

/** Bounds of the JSON messages both halves parse. */
export const MESSAGE_LIMIT_BYTES = 64 * 1024;

/** Limits of one x509pop message; malformed ones are InvalidArgument errors naming it. */
export function messageLimits(what: string): PayloadLimits {
  return {
    what,
    maxBytes: MESSAGE_LIMIT_BYTES,
    invalid: (reason) => new InvalidArgumentError(`${X509POP_PLUGIN_NAME}: ${reason}`, 'ERR_X509POP_PAYLOAD'),
  };
}

/** Parses a bounded JSON object message. @throws InvalidArgumentError naming `what`. */
export function parseMessage(bytes: Buffer, what: string): Record<string, unknown> {
  const limits = messageLimits(what);
  const value = parseJsonPayload(bytes, limits, `failed to unmarshal ${what}: not JSON`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw limits.invalid(`failed to unmarshal ${what}: not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Decodes a base64 nonce of exactly {@link NONCE_BYTES}. @throws InvalidArgumentError naming `what`. */
export function decodeNonce(message: unknown, what: string): Buffer {
  const nonce = (message as { nonce?: unknown } | null | undefined)?.nonce;
  const bytes = typeof nonce === 'string' ? Buffer.from(nonce, 'base64') : undefined;
  if (!bytes || bytes.length !== NONCE_BYTES) {
    throw messageLimits(what).invalid(`invalid ${what} nonce: expected ${NONCE_BYTES} base64-encoded bytes`);
  }
  return bytes;
}

/** The message both halves sign and verify: challenge nonce ‖ response nonce (hashed with SHA-256 by the signature). */
export function signedMessage(challengeNonce: Buffer, responseNonce: Buffer): Buffer {
  return Buffer.concat([challengeNonce, responseNonce]);
}

/** SHA-1 of the certificate's DER, lower-case hex: the default agent ID segment and `ca:fingerprint` value. */
export function fingerprint(cert: X509Certificate): string {
  return createHash('sha1').update(cert.raw).digest('hex');
}

/** The serial number as SPIRE prints it: lower-case hex without leading zeros, padded to an even length. */
export function serialNumberHex(cert: X509Certificate): string {
  const hex = cert.serialNumber.toLowerCase().replace(/^0+(?=.)/, '');
  return hex.length % 2 === 1 ? `0${hex}` : hex;
}

/** An `x509pop` selector; parts are joined with `:` (`subject:cn:<cn>`). */
export function x509popSelector(...parts: string[]): Selector {
  return { type: X509POP_PLUGIN_NAME, value: parts.join(':') };
}
