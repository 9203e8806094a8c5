/** The raw SPIFFE ID parser (SPIFFE.md §1.2): splits and validates without building value objects. */
import { checkPath, findBadTrustDomainChar } from './chars';
import { spiffeIdError } from './errors';

/** `spiffe://`, matched byte-exactly. */
export const SPIFFE_SCHEME_PREFIX = 'spiffe://';

/** A validated SPIFFE ID split into its trust domain name and path (`''` or `/seg/...`). */
export interface ParsedSpiffeId {
  readonly trustDomainName: string;
  readonly path: string;
}

/**
 * Parses `input` as a SPIFFE ID, running the checks in the reference order (empty, scheme, trust-domain
 * characters, trust domain missing, path rules). No normalisation, no length cap.
 * @throws SpiffeIdError naming the first broken rule.
 */
export function parseSpiffeIdString(input: string, what = 'spiffe id'): ParsedSpiffeId {
  if (input.length === 0) throw spiffeIdError('empty', what, input);
  if (!input.startsWith(SPIFFE_SCHEME_PREFIX)) throw spiffeIdError('scheme', what, input);
  const tdStart = SPIFFE_SCHEME_PREFIX.length;
  let tdEnd = input.indexOf('/', tdStart);
  if (tdEnd < 0) tdEnd = input.length;
  const bad = findBadTrustDomainChar(input, tdStart, tdEnd);
  if (bad >= 0) throw spiffeIdError('td-char', what, input, bad);
  if (tdEnd === tdStart) throw spiffeIdError('td-missing', what, input);
  if (tdEnd < input.length) checkPath(input, tdEnd, input.length, what);
  return { trustDomainName: input.slice(tdStart, tdEnd), path: input.slice(tdEnd) };
}

/**
 * Validates a bare trust domain name (`example.org`): non-empty, trust-domain characters only.
 * @throws SpiffeIdError with rule `td-missing` or `td-char`.
 */
export function checkTrustDomainName(name: string, what = 'trust domain'): void {
  if (name.length === 0) throw spiffeIdError('td-missing', what, name);
  const bad = findBadTrustDomainChar(name, 0, name.length);
  if (bad >= 0) throw spiffeIdError('td-char', what, name, bad);
}

/**
 * Validates a path given on its own: empty, or `/seg(/seg)*` under the segment rules.
 * @throws SpiffeIdError with rule `leading-slash`, `empty-segment`, `dot-segment`, `path-char` or
 *   `trailing-slash`.
 */
export function checkSpiffePath(path: string, what = 'spiffe id path'): void {
  if (path.length === 0) return;
  if (path.charCodeAt(0) !== 0x2f) throw spiffeIdError('leading-slash', what, path);
  checkPath(path, 0, path.length, what);
}
