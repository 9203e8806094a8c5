import { SpiffeId, SpiffeIdError, TrustDomain } from '@lanyard/spiffe';
import { InvalidArgumentError } from '@lanyard/base';

/** A parsed SPIFFE ID as plain strings: trust domain name (no scheme) and path (`''` or `/…`). */
export interface ParsedSpiffeId {
  trustDomain: string;
  path: string;
}

/**
 * Parses `spiffe://<td><path>` strictly (SpiffeIdError, an InvalidArgument, naming the broken rule). With
 * `field`, errors name that field instead of "spiffe id" (and a non-string value is refused).
 */
export function parseSpiffeId(id: string, field?: string): ParsedSpiffeId {
  if (field !== undefined && typeof id !== 'string') {
    throw new InvalidArgumentError(`${field} must be a string`, 'ERR_SPIFFE_ID_EMPTY');
  }
  try {
    const parsed = SpiffeId.parse(id);
    return { trustDomain: parsed.trustDomain.name, path: parsed.path };
  } catch (err) {
    if (field === undefined || !(err instanceof SpiffeIdError)) throw err;
    throw new InvalidArgumentError(err.message.replace(/^spiffe id/, field), err.code);
  }
}

/**
 * Builds `spiffe://<td><path>` from the two fields of a wire `SPIFFEID`, validating both; the trust domain
 * must be a bare name here (`spiffe://…` is refused).
 */
export function spiffeIdFromParts(trustDomain: string, path: string): string {
  if (trustDomain.includes(':')) {
    throw new InvalidArgumentError(
      `trust domain "${trustDomain}" must be a bare name`,
      'ERR_SPIFFE_ID_TD_CHAR',
    );
  }
  return SpiffeId.fromPath(TrustDomain.parse(trustDomain), path).toString();
}

/** Parses a trust domain given bare (`example.org`) or as a SPIFFE ID (`spiffe://example.org`); returns the name. */
export function parseTrustDomain(value: string): string {
  return TrustDomain.parse(value).name;
}
