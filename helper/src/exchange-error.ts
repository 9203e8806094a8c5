/**
 * The one error an exchange with a cloud raises: the cloud's own error code, its message, and which JWT claim
 * it rejected (when the cloud says), so the CLI prints one line instead of a stack trace.
 */
import { PermissionDeniedError } from '@lanyard/base';

/** A claim a cloud checks against its trust configuration. */
export type CheckedClaim = 'iss' | 'aud' | 'sub';

/** What a failed exchange reports. */
export interface ExchangeFailure {
  /** `aws sts`, `aws rolesanywhere`, `gcp sts`, … */
  readonly service: string;
  /** The cloud's error code (`InvalidIdentityToken`, `invalid_grant`, `AADSTS700213`, `HTTP 503`, …). */
  readonly cloudCode: string;
  /** The cloud's message, as sent. */
  readonly cloudMessage: string;
  /** The claim the cloud rejected and the value the token carried, when known. */
  readonly claim?: { readonly name: CheckedClaim; readonly value: string };
}

/** A cloud refused an exchange; carries {@link ExchangeFailure} (gRPC status PERMISSION_DENIED). */
export class CloudExchangeError extends PermissionDeniedError {
  /** The failure as the cloud described it. */
  readonly failure: ExchangeFailure;

  constructor(failure: ExchangeFailure) {
    const claim = failure.claim
      ? ` (claim that did not match: ${failure.claim.name} "${failure.claim.value}")`
      : '';
    super(
      `${failure.service}: ${failure.cloudCode}: ${failure.cloudMessage || 'no message'}${claim}`,
      'ERR_CLOUD_EXCHANGE',
    );
    this.failure = failure;
  }
}

const CLAIM_WORDS: readonly [CheckedClaim, RegExp][] = [
  ['iss', /\b(issuer|iss)\b/i],
  ['aud', /\b(audiences?|aud|client ?id)\b/i],
  ['sub', /\b(subject|sub)\b/i],
];

/**
 * Finds the claim a cloud's error message names (issuer, audience or subject) and pairs it with the value the
 * presented token carried. Undefined when the message names none or several.
 */
export function claimNamedIn(
  message: string,
  claims: Readonly<Record<string, unknown>>,
): ExchangeFailure['claim'] {
  const named = CLAIM_WORDS.filter(([, pattern]) => pattern.test(message)).map(([name]) => name);
  if (named.length !== 1) return undefined;
  return { name: named[0], value: claimText(claims[named[0]]) };
}

/** A claim value as one string (arrays joined by commas). */
export function claimText(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(',');
  return value === undefined ? '' : String(value);
}
