/**
 * Static checks of an AWS proof (a SigV4-signed, unsent STS `GetCallerIdentity` request) before it is forwarded:
 * the target, the exact body, the signed headers (host, x-amz-date, x-lanyard-server-id), the server ID value and
 * the age of `x-amz-date`.
 */
import { InvalidArgumentError, UnauthenticatedError } from '@lanyard/base';
import { requireObject, requireString } from './proof-input';

/** A proof after the shape checks: header names lower-cased. */
export interface AwsSignedRequest {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The SigV4 signature (hex): the proof's single-use key. */
  readonly signature: string;
  /** When it was signed (`x-amz-date`), ms. */
  readonly signedAtMs: number;
}

/** What the checks compare against. */
export interface AwsProofExpectations {
  /** Origin + path of the configured STS endpoint. */
  readonly stsEndpoint: URL;
  readonly serverId: string;
  readonly maxProofAgeMs: number;
  readonly nowMs: number;
}

/** Header carrying the server ID inside the signature. */
export const SERVER_ID_HEADER = 'x-lanyard-server-id';
const MAX_HEADERS = 32;
const FUTURE_SKEW_MS = 60_000;
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=[^/\s,]+\/\d{8}\/[a-z0-9-]+\/sts\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const REQUIRED_SIGNED = ['host', 'x-amz-date', SERVER_ID_HEADER];

const unauthenticated = (message: string): UnauthenticatedError =>
  new UnauthenticatedError(`aws_iam proof: ${message}`, 'ERR_MANAGED_AWS_PROOF');
const invalid = (message: string): InvalidArgumentError =>
  new InvalidArgumentError(`aws_iam proof: ${message}`, 'ERR_MANAGED_AWS_PROOF');

/** Checks the proof object; @throws InvalidArgument for a malformed one, Unauthenticated when a check fails. */
export function checkAwsProof(
  proof: Record<string, unknown>,
  expect: AwsProofExpectations,
): AwsSignedRequest {
  if (proof.method !== 'POST') throw invalid('method must be "POST"');
  const url = parseUrl(requireString(proof.url, 'proof.url', 2048));
  const headers = lowerCaseHeaders(requireObject(proof.headers, 'proof.headers'));
  const body = typeof proof.body === 'string' ? proof.body : '';
  checkTarget(url, headers, expect.stsEndpoint);
  checkBody(body);
  const auth = AUTHORIZATION.exec(headers.authorization ?? '');
  if (!auth) throw unauthenticated('authorization header is not an AWS4-HMAC-SHA256 signature for sts');
  const signed = auth[1].split(';');
  const unsigned = REQUIRED_SIGNED.filter((name) => !signed.includes(name));
  if (unsigned.length > 0) throw unauthenticated(`header ${unsigned.join(', ')} is not signed`);
  if (headers[SERVER_ID_HEADER] !== expect.serverId) {
    throw unauthenticated(
      `${SERVER_ID_HEADER} "${headers[SERVER_ID_HEADER] ?? ''}" does not match this server ("${expect.serverId}")`,
    );
  }
  const signedAtMs = checkFreshness(headers['x-amz-date'] ?? '', expect);
  return { url, headers, body, signature: auth[2], signedAtMs };
}

function parseUrl(text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw invalid(`url "${text}" is not a URL`);
  }
}

function lowerCaseHeaders(raw: Record<string, unknown>): Record<string, string> {
  const entries = Object.entries(raw);
  if (entries.length > MAX_HEADERS) throw invalid(`more than ${MAX_HEADERS} headers`);
  const headers: Record<string, string> = {};
  for (const [name, value] of entries) {
    const lower = name.toLowerCase();
    if (!/^[a-z0-9-]+$/.test(lower)) throw invalid(`header name "${name}" is not valid`);
    headers[lower] = requireString(value, `proof.headers.${lower}`, 8192);
  }
  return headers;
}

function checkTarget(url: URL, headers: Record<string, string>, endpoint: URL): void {
  if (url.origin !== endpoint.origin || url.pathname !== endpoint.pathname || url.search !== '') {
    throw unauthenticated(
      `request targets ${url.origin}${url.pathname}, not this server's STS endpoint ${endpoint.origin}${endpoint.pathname}`,
    );
  }
  if (headers.host !== url.host)
    throw unauthenticated(`host header "${headers.host ?? ''}" does not match the url host "${url.host}"`);
}

function checkBody(body: string): void {
  const params = new URLSearchParams(body);
  const keys = [...params.keys()].sort();
  const exact =
    keys.length === 2 &&
    keys[0] === 'Action' &&
    keys[1] === 'Version' &&
    params.get('Action') === 'GetCallerIdentity' &&
    params.get('Version') === '2011-06-15';
  if (!exact) throw invalid('body must be exactly Action=GetCallerIdentity&Version=2011-06-15');
}

function checkFreshness(amzDate: string, expect: AwsProofExpectations): number {
  const m = AMZ_DATE.exec(amzDate);
  if (!m) throw unauthenticated(`x-amz-date "${amzDate}" is not an ISO 8601 basic timestamp`);
  const signedAtMs = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  const ageMs = expect.nowMs - signedAtMs;
  if (ageMs > expect.maxProofAgeMs) {
    throw unauthenticated(
      `stale: signed ${Math.floor(ageMs / 1000)}s ago, more than the ${expect.maxProofAgeMs / 1000}s allowed`,
    );
  }
  if (-ageMs > FUTURE_SKEW_MS) throw unauthenticated(`x-amz-date ${amzDate} is in the future`);
  return signedAtMs;
}
