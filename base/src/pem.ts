/**
 * The one PEM codec (RFC 7468 textual encoding): DER bytes ⇄ `-----BEGIN <label>-----` blocks with 64-column
 * base64 lines, as Go's `encoding/pem` writes them.
 */
import { InvalidArgumentError } from './errors';

/** One decoded PEM block. */
export interface PemBlock {
  /** The label between `BEGIN ` and the dashes, e.g. `CERTIFICATE`. */
  readonly label: string;
  /** The decoded bytes. */
  readonly der: Buffer;
}

const LABEL = /^[\x21-\x2c\x2e-\x7e](?:[- ]?[\x21-\x2c\x2e-\x7e])*$/;
const BEGIN = /-----BEGIN ([^\r\n]*?)-----/g;
const PEM_START = '-----BEGIN ';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Encodes `der` as one PEM block with 64-column base64 lines and a trailing newline.
 * @throws InvalidArgumentError when `label` is not a valid RFC 7468 label.
 * @example
 * ```ts
 * encodePem('CERTIFICATE', cert.raw); // '-----BEGIN CERTIFICATE-----\nMIIB…\n-----END CERTIFICATE-----\n'
 * ```
 */
export function encodePem(label: string, der: Uint8Array): string {
  if (!LABEL.test(label)) throw new InvalidArgumentError(`pem label ${JSON.stringify(label)} is not valid`);
  const base64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  let body = '';
  for (let i = 0; i < base64.length; i += 64) body += `${base64.slice(i, i + 64)}\n`;
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

/** Encodes each buffer as a PEM block with the same label, one after another. */
export function encodePemBlocks(label: string, ders: readonly Uint8Array[]): string {
  return ders.map((der) => encodePem(label, der)).join('');
}

/**
 * Decodes every PEM block in `text`, in order; text outside blocks is ignored. With `label`, only blocks with that
 * label are returned (others are still checked).
 * @throws InvalidArgumentError (`ERR_PEM_MALFORMED`) when a block has no END line, an END label that differs from its
 * BEGIN label, or a body that is not base64.
 */
export function decodePem(text: string, label?: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  BEGIN.lastIndex = 0;
  for (let match = BEGIN.exec(text); match; match = BEGIN.exec(text)) {
    const begin = match[1];
    const endAt = text.indexOf('-----END ', BEGIN.lastIndex);
    if (endAt < 0) throw malformedPem(`pem block "${begin}" has no END line`);
    const close = text.indexOf('-----', endAt + 9);
    const end = close < 0 ? text.slice(endAt + 9).split(/\r?\n/)[0] : text.slice(endAt + 9, close);
    if (close < 0 || end !== begin)
      throw malformedPem(`pem block "${begin}" ends with END "${end}" instead of END "${begin}"`);
    const body = text.slice(BEGIN.lastIndex, endAt).replace(/\s+/g, '');
    if (!BASE64.test(body) || body.length % 4 !== 0)
      throw malformedPem(`pem block "${begin}" does not hold valid base64`);
    if (label === undefined || begin === label)
      blocks.push({ label: begin, der: Buffer.from(body, 'base64') });
    BEGIN.lastIndex = close + 5;
  }
  return blocks;
}

/** True when `input` (text or bytes) starts, after whitespace, with a PEM `-----BEGIN ` line. */
export function looksLikePem(input: string | Uint8Array): boolean {
  let i = 0;
  const at = (n: number): number => (typeof input === 'string' ? input.charCodeAt(n) : input[n]);
  while (i < input.length && (at(i) === 0x20 || at(i) === 0x09 || at(i) === 0x0a || at(i) === 0x0d)) i++;
  for (let k = 0; k < PEM_START.length; k++) if (at(i + k) !== PEM_START.charCodeAt(k)) return false;
  return true;
}

function malformedPem(message: string): InvalidArgumentError {
  return new InvalidArgumentError(message, 'ERR_PEM_MALFORMED');
}
