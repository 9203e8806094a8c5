/**
 * Validation of the names the CA writes into certificates and tokens: SPIFFE IDs (strict SPIFFE grammar,
 * same verdicts as go-spiffe) and DNS SANs. Returns clear `InvalidArgumentError`s.
 */
import { InvalidArgumentError } from '@lanyard/base';
import { parseSpiffeId } from '../util/spiffe-id';

const DNS_LABEL = /^[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?$/;

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
