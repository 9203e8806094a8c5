import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { FakeAwsCredentials } from './sigv4-check';

/** A signed but unsent STS `GetCallerIdentity` request: the AWS proof of the managed-workloads protocol. */
export interface SignedStsRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** What {@link signGetCallerIdentity} signs besides the credentials. */
export interface SignGetCallerIdentityOptions {
  /** STS endpoint the request is for (e.g. a {@link FakeAwsStsCallerIdentity}'s URL); default `https://sts.amazonaws.com`. */
  readonly stsUrl?: string;
  /** Signing region (default `us-east-1`). */
  readonly region?: string;
  /** Extra headers to sign, e.g. `{ 'x-lanyard-server-id': 'lanyard.example.org' }`. */
  readonly headers?: Record<string, string>;
  /** Signing time (default now). */
  readonly signingDate?: Date;
  /** Body (default the exact GetCallerIdentity form). */
  readonly body?: string;
}

/** The form body of an STS `GetCallerIdentity` call. */
export const GET_CALLER_IDENTITY_BODY = 'Action=GetCallerIdentity&Version=2011-06-15';

/**
 * Signs a `GetCallerIdentity` POST with AWS's own SigV4 signer (`@smithy/signature-v4`, what the AWS SDK uses)
 * without sending it, as a workload does to prove its IAM identity to a third party.
 */
export async function signGetCallerIdentity(
  credentials: FakeAwsCredentials,
  options: SignGetCallerIdentityOptions = {},
): Promise<SignedStsRequest> {
  const url = new URL(options.stsUrl ?? 'https://sts.amazonaws.com');
  const body = options.body ?? GET_CALLER_IDENTITY_BODY;
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
    },
    region: options.region ?? 'us-east-1',
    service: 'sts',
    sha256: Hash.bind(null, 'sha256'),
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      headers: {
        host: url.host,
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        ...options.headers,
      },
      body,
    },
    { signingDate: options.signingDate },
  );
  return { method: 'POST', url: url.toString(), headers: { ...signed.headers }, body };
}
