/**
 * IAM Roles Anywhere `CreateSession` with the X.509-SVID (CLOUD-FEDERATION.md §2.6): a SigV4 canonical request
 * signed with the SVID's private key (`AWS4-X509-ECDSA-SHA256` / `AWS4-X509-RSA-SHA256`), the leaf in
 * `X-Amz-X509`, intermediates in `X-Amz-X509-Chain`.
 */
import { createHash, sign, type KeyObject, type X509Certificate } from 'node:crypto';
import { InvalidArgumentError } from '@lanyard/base';
import type { X509Svid } from '@lanyard/spiffe';
import { CloudExchangeError } from '../exchange-error';
import type { AwsCredentials } from './credentials';

/** Inputs of {@link createSession}. */
export interface CreateSessionParams {
  readonly trustAnchorArn: string;
  readonly profileArn: string;
  readonly roleArn: string;
  readonly region: string;
  /** Default `https://rolesanywhere.<region>.amazonaws.com`. */
  readonly endpoint?: string;
  readonly durationSeconds?: number;
  readonly sessionName?: string;
}

/** What a signed request carries. */
export interface SignedRequest {
  readonly headers: Record<string, string>;
}

const sha256 = (data: string): string => createHash('sha256').update(data).digest('hex');

/** The signing algorithm name for a private key. */
export function x509SigningAlgorithm(key: KeyObject): string {
  if (key.asymmetricKeyType === 'ec') return 'AWS4-X509-ECDSA-SHA256';
  if (key.asymmetricKeyType === 'rsa') return 'AWS4-X509-RSA-SHA256';
  throw new InvalidArgumentError(`Roles Anywhere cannot sign with a ${key.asymmetricKeyType} key`);
}

/** The canonical request (SigV4) over the given headers, all signed. */
export function canonicalRequest(
  method: string,
  url: URL,
  headers: Readonly<Record<string, string>>,
  body: string,
): { canonical: string; signedHeaders: string } {
  const names = Object.keys(headers)
    .map((n) => n.toLowerCase())
    .sort();
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v.trim()]));
  const signedHeaders = names.join(';');
  const canonical = [
    method,
    url.pathname || '/',
    '',
    names.map((n) => `${n}:${lower[n]}\n`).join(''),
    signedHeaders,
    sha256(body),
  ].join('\n');
  return { canonical, signedHeaders };
}

/** Signs a request for `service` in `region` with the SVID (SigV4 X.509). */
export function signX509Request(
  svid: Pick<X509Svid, 'certificates' | 'privateKey'>,
  request: { method: string; url: URL; body: string; region: string; service: string; now?: Date },
): SignedRequest {
  const leaf: X509Certificate = svid.certificates[0];
  const amzDate = (request.now ?? new Date())
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    host: request.url.host,
    'x-amz-date': amzDate,
    'x-amz-x509': leaf.raw.toString('base64'),
  };
  if (svid.certificates.length > 1) {
    headers['x-amz-x509-chain'] = svid.certificates
      .slice(1)
      .map((c) => c.raw.toString('base64'))
      .join(',');
  }
  const { canonical, signedHeaders } = canonicalRequest(request.method, request.url, headers, request.body);
  const algorithm = x509SigningAlgorithm(svid.privateKey);
  const scope = `${amzDate.slice(0, 8)}/${request.region}/${request.service}/aws4_request`;
  const stringToSign = [algorithm, amzDate, scope, sha256(canonical)].join('\n');
  const signature = sign('sha256', Buffer.from(stringToSign), svid.privateKey).toString('hex');
  const serial = BigInt(`0x${leaf.serialNumber}`).toString(10);
  headers.authorization = `${algorithm} Credential=${serial}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { headers };
}

/** Calls `CreateSession`; throws {@link CloudExchangeError} with the service's error. */
export async function createSession(params: CreateSessionParams, svid: X509Svid): Promise<AwsCredentials> {
  for (const [name, value] of Object.entries({
    trustAnchorArn: params.trustAnchorArn,
    profileArn: params.profileArn,
    roleArn: params.roleArn,
  })) {
    if (!/^arn:aws[\w-]*:(rolesanywhere|iam):/.test(value))
      throw new InvalidArgumentError(`${name} "${value}" is not an ARN`);
  }
  const base = (params.endpoint ?? `https://rolesanywhere.${params.region}.amazonaws.com`).replace(
    /\/+$/,
    '',
  );
  const url = new URL(`${base}/sessions`);
  const payload: Record<string, unknown> = {
    trustAnchorArn: params.trustAnchorArn,
    profileArn: params.profileArn,
    roleArn: params.roleArn,
  };
  if (params.durationSeconds !== undefined) payload.durationSeconds = params.durationSeconds;
  if (params.sessionName !== undefined) payload.roleSessionName = params.sessionName;
  const body = JSON.stringify(payload);
  const { headers } = signX509Request(svid, {
    method: 'POST',
    url,
    body,
    region: params.region,
    service: 'rolesanywhere',
  });
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    throw new CloudExchangeError({
      service: 'aws rolesanywhere',
      cloudCode: 'Unreachable',
      cloudMessage: `${url.href}: ${(err as Error).message}`,
    });
  }
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // A non-JSON answer is reported by its status below.
  }
  if (response.status !== 201 && response.status !== 200) {
    throw new CloudExchangeError({
      service: 'aws rolesanywhere',
      cloudCode: String(
        json.code ?? json.__type ?? response.headers.get('x-amzn-errortype') ?? `HTTP ${response.status}`,
      ),
      cloudMessage: String(json.message ?? json.Message ?? text.slice(0, 500)),
    });
  }
  const set = (json.credentialSet as { credentials?: Record<string, string> }[] | undefined)?.[0]
    ?.credentials;
  if (!set?.accessKeyId || !set.secretAccessKey || !set.sessionToken || !set.expiration) {
    throw new CloudExchangeError({
      service: 'aws rolesanywhere',
      cloudCode: 'MalformedResponse',
      cloudMessage: 'no credentialSet[0].credentials',
    });
  }
  return {
    accessKeyId: set.accessKeyId,
    secretAccessKey: set.secretAccessKey,
    sessionToken: set.sessionToken,
    expiration: set.expiration,
  };
}
