import type { LanyardError } from '@lanyard/base';

/** How a node attestor bounds one message it receives and how it reports a bad one. */
export interface PayloadLimits {
  /** What the message is, in error messages: `attestation payload`, `challenge response`, … */
  readonly what: string;
  /** The largest accepted size in bytes. */
  readonly maxBytes: number;
  /** Builds the plugin's error for a malformed message from a lower-case reason. */
  readonly invalid: (reason: string) => LanyardError;
}

/**
 * Rejects a message longer than `limits.maxBytes`, before anything parses it.
 * @throws the error `limits.invalid` builds, naming the size and the limit.
 */
export function checkPayloadSize(bytes: Buffer, limits: PayloadLimits): void {
  if (bytes.length > limits.maxBytes) {
    throw limits.invalid(`${limits.what} is ${bytes.length} bytes, more than the ${limits.maxBytes} allowed`);
  }
}

/**
 * Parses a size-checked (see {@link checkPayloadSize}) UTF-8 JSON message; the caller checks its shape.
 * @throws the error `limits.invalid` builds: with `notJsonReason` when the message is not JSON.
 */
export function parseJsonPayload(bytes: Buffer, limits: PayloadLimits, notJsonReason: string): unknown {
  checkPayloadSize(bytes, limits);
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    throw limits.invalid(notJsonReason);
  }
}
