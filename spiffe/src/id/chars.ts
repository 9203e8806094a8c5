/** Character classes and the path scanner of the SPIFFE ID grammar (SPIFFE.md §1.1), on UTF-16 code units. */
import { spiffeIdError } from './errors';

/** True for a trust-domain character: `a-z`, `0-9`, `.`, `-`, `_`. */
export function isTrustDomainChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x5f;
}

/** True for a path segment character: `a-z`, `A-Z`, `0-9`, `.`, `-`, `_`. */
export function isPathChar(c: number): boolean {
  return isTrustDomainChar(c) || (c >= 0x41 && c <= 0x5a);
}

const SLASH = 0x2f;
const DOT = 0x2e;

function isDotSegment(s: string, start: number, end: number): boolean {
  const len = end - start;
  if (len === 1) return s.charCodeAt(start) === DOT;
  return len === 2 && s.charCodeAt(start) === DOT && s.charCodeAt(start + 1) === DOT;
}

/**
 * Returns the index of the first non trust-domain character in `s[start, end)`, or -1 if there is none.
 * Used for bare trust domain names and for the authority of a full ID.
 */
export function findBadTrustDomainChar(s: string, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    if (!isTrustDomainChar(s.charCodeAt(i))) return i;
  }
  return -1;
}

/**
 * Validates the path `s[start, end)` (which starts with `/` when non-empty) and throws a `SpiffeIdError`
 * for the first rule broken, in go-spiffe's order: on each `/` the closed segment must be neither empty nor a
 * dot segment; every other byte must be a path character; at the end the last segment must be non-empty
 * (else trailing slash) and not a dot segment.
 */
export function checkPath(s: string, start: number, end: number, what: string): void {
  let segStart = start + 1;
  for (let i = start + 1; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === SLASH) {
      if (i === segStart) throw spiffeIdError('empty-segment', what, s);
      if (isDotSegment(s, segStart, i)) throw spiffeIdError('dot-segment', what, s);
      segStart = i + 1;
    } else if (!isPathChar(c)) {
      throw spiffeIdError('path-char', what, s, i);
    }
  }
  if (segStart === end) throw spiffeIdError('trailing-slash', what, s);
  if (isDotSegment(s, segStart, end)) throw spiffeIdError('dot-segment', what, s);
}
