import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { RecordedRequest } from './http-fake';

/** A key pair the fake AWS API accepts. */
export interface FakeAwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** The signer of a request whose SigV4 signature checked out. */
export interface VerifiedCaller {
  readonly accessKeyId: string;
  /** Service from the credential scope: `ec2`, `iam`, `sts`. */
  readonly service: string;
  readonly region: string;
}

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

const sha256 = (data: string): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/**
 * Checks an AWS Signature Version 4 `Authorization` header the way AWS does (an independent implementation,
 * so a signing bug in the client under test shows up). Returns the caller, or a reason string on failure.
 */
export function verifySigV4(
  req: RecordedRequest,
  query: string,
  lookup: (accessKeyId: string) => FakeAwsCredentials | undefined,
): VerifiedCaller | string {
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? AUTH.exec(header) : null;
  if (!match) return 'missing or malformed Authorization header';
  const [, accessKeyId, date, region, service, signedHeaders, signature] = match;
  const creds = lookup(accessKeyId);
  if (!creds) return 'the security token included in the request is invalid';
  if (creds.sessionToken !== undefined && req.headers['x-amz-security-token'] !== creds.sessionToken) {
    return 'missing or wrong X-Amz-Security-Token';
  }
  const amzDate = req.headers['x-amz-date'];
  if (typeof amzDate !== 'string' || !amzDate.startsWith(date)) return 'missing or mismatched X-Amz-Date';
  const names = signedHeaders.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date')) return 'host and x-amz-date must be signed';
  const canonicalHeaders = names.map((n) => `${n}:${String(req.headers[n] ?? '').trim()}\n`).join('');
  const canonicalRequest = [
    req.method,
    req.path,
    canonicalQuery(query),
    canonicalHeaders,
    signedHeaders,
    sha256(req.body),
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${creds.secretAccessKey}`, date);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  const expected = hmac(key, toSign);
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
    return 'the request signature we calculated does not match the signature you provided';
  }
  return { accessKeyId, service, region };
}

/** SigV4's canonical query string: pairs URI-encoded (RFC 3986), sorted by name then value. */
function canonicalQuery(query: string): string {
  const encode = (text: string): string =>
    encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return [...new URLSearchParams(query).entries()]
    .map(([name, value]) => [encode(name), encode(value)])
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : x > y ? 1 : 0) : a < b ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}
