/** Splitting and decoding a compact JWS (three base64url parts) with typed errors. */
import { JwtSvidError } from '../errors/jwt-svid-error';

/** A decoded but unverified compact JWS. */
export interface DecodedJws {
  readonly header: Record<string, unknown>;
  readonly claims: Record<string, unknown>;
  /** `base64url(header) "." base64url(payload)`, the bytes the signature covers. */
  readonly signingInput: Buffer;
  readonly signature: Buffer;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

/** Error for a token that is not a well-formed JWT-SVID. */
export function malformedToken(problem: string): JwtSvidError {
  return new JwtSvidError('ERR_JWT_SVID_MALFORMED', `jwt-svid: ${problem}`);
}

function decodePart(part: string, name: string): Buffer {
  if (part.length === 0 && name !== 'signature') throw malformedToken(`${name} is empty`);
  if (!B64URL.test(part) || part.length % 4 === 1) throw malformedToken(`${name} is not base64url`);
  return Buffer.from(part, 'base64url');
}

function decodeJsonObject(part: string, name: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(decodePart(part, name).toString('utf8'));
  } catch (err) {
    if (err instanceof JwtSvidError) throw err;
    throw malformedToken(`${name} is not valid json`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw malformedToken(`${name} is not a json object`);
  return value as Record<string, unknown>;
}

/**
 * Decodes a compact JWS without verifying it.
 * @throws JwtSvidError (`ERR_JWT_SVID_MALFORMED`) if it is not three base64url parts of JSON objects.
 */
export function decodeCompactJws(token: unknown): DecodedJws {
  if (typeof token !== 'string' || token.length === 0) throw malformedToken('token is empty or not a string');
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first < 0 || second < 0 || token.indexOf('.', second + 1) >= 0) {
    throw malformedToken('token must have exactly three dot-separated parts (compact serialization)');
  }
  const header = decodeJsonObject(token.slice(0, first), 'header');
  const claims = decodeJsonObject(token.slice(first + 1, second), 'payload');
  const signature = decodePart(token.slice(second + 1), 'signature');
  return { header, claims, signingInput: Buffer.from(token.slice(0, second), 'latin1'), signature };
}
