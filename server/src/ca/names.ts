/**
 * Validation of the names the CA writes into certificates and tokens: SPIFFE IDs (strict SPIFFE grammar,
 * same verdicts as go-spiffe) and DNS SANs. Returns clear `InvalidArgumentError`s.
 */
import { InvalidArgumentError } from '@lanyard/spiffe';

const TRUST_DOMAIN = /^[a-z0-9._-]+$/;
const PATH_SEGMENT = /^[a-zA-Z0-9._-]+$/;
const DNS_LABEL = /^[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?$/;

/** A SPIFFE ID split into its parts. */
export interface SpiffeIdParts {
  /** Trust domain name. */
  trustDomain: string;
  /** Path including the leading `/`, or '' for a trust domain ID. */
  path: string;
}

/** Parses `spiffe://td/path` strictly; `field` names the value in errors. */
export function parseSpiffeId(value: string, field: string): SpiffeIdParts {
  if (typeof value !== 'string' || value === '') throw invalid(field, value, 'is empty');
  if (!value.startsWith('spiffe://')) throw invalid(field, value, 'must use the spiffe scheme');
  if (value.length > 2048) throw invalid(field, value, 'is longer than 2048 bytes');
  const rest = value.slice('spiffe://'.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash);
  if (trustDomain === '') throw invalid(field, value, 'is missing the trust domain');
  if (trustDomain.length > 255) throw invalid(field, value, 'has a trust domain longer than 255 characters');
  if (!TRUST_DOMAIN.test(trustDomain)) throw invalid(field, value, 'has invalid trust domain characters');
  if (path !== '') {
    for (const segment of path.slice(1).split('/')) {
      if (segment === '') throw invalid(field, value, 'has an empty path segment');
      if (segment === '.' || segment === '..') throw invalid(field, value, 'has a dot path segment');
      if (!PATH_SEGMENT.test(segment)) throw invalid(field, value, 'has invalid path characters');
    }
  }
  return { trustDomain, path };
}

/** Checks `value` is a workload/agent ID (non-empty path) in `trustDomain`. */
export function requireMemberId(value: string, trustDomain: string, field: string): void {
  const parts = parseSpiffeId(value, field);
  if (parts.path === '') throw invalid(field, value, 'must have a path');
  if (parts.trustDomain !== trustDomain) {
    throw invalid(field, value, `is not a member of trust domain "${trustDomain}"`);
  }
}

/** Checks a DNS SAN: ≤253 chars, labels of letters/digits/`-`/`_`, an optional leading `*.` wildcard. */
export function requireDnsName(value: string, field: string): void {
  const body = value.startsWith('*.') ? value.slice(2) : value;
  const ok =
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= 253 &&
    body.split('.').every((label) => DNS_LABEL.test(label));
  if (!ok) throw new InvalidArgumentError(`${field} "${String(value)}" is invalid`, 'ERR_DNS_NAME_INVALID');
}

function invalid(field: string, value: unknown, problem: string): InvalidArgumentError {
  return new InvalidArgumentError(`${field} "${String(value)}" ${problem}`, 'ERR_SPIFFE_ID_INVALID');
}
