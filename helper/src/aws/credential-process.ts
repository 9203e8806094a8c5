/** `aws credential-process`: a JWT-SVID from the Workload API exchanged at STS, cached until near expiry. */
import { CredentialCache } from '../cache/credential-cache';
import { workloadApiIdentity, type HelperIdentity } from '../identity/helper-identity';
import type { WorkloadApiTarget } from '../identity/workload-api';
import type { AwsCredentials } from './credentials';
import { assumeRoleWithWebIdentity, sessionNameFor, stsEndpointFor, validateAssumeRoleParams } from './sts';

/** Inputs of {@link webIdentityCredentials}. */
export interface WebIdentityOptions {
  /** The Workload API to fetch the JWT-SVID from (ignored when `identity` is given). */
  readonly workloadApi?: WorkloadApiTarget;
  /** Any other identity source, e.g. the server's managed-workloads listener. */
  readonly identity?: HelperIdentity;
  readonly roleArn: string;
  /** JWT-SVID audience (default `sts.amazonaws.com`). */
  readonly audience?: string;
  readonly region?: string;
  /** Default: derived from the SPIFFE ID. */
  readonly sessionName?: string;
  /** Default: STS of `region`, or the global endpoint. */
  readonly stsEndpoint?: string;
  readonly durationSeconds?: number;
  /** Cache directory; undefined disables caching. */
  readonly cacheDir?: string;
}

/** The AWS default audience for web identity tokens. */
export const AWS_DEFAULT_AUDIENCE = 'sts.amazonaws.com';

/** Returns cached credentials for these options, or fetches a JWT-SVID and assumes the role. */
export async function webIdentityCredentials(options: WebIdentityOptions): Promise<AwsCredentials> {
  validateAssumeRoleParams(options);
  const audience = options.audience ?? AWS_DEFAULT_AUDIENCE;
  const endpoint = options.stsEndpoint ?? stsEndpointFor(options.region);
  const cache =
    options.cacheDir === undefined
      ? undefined
      : new CredentialCache<AwsCredentials>(options.cacheDir, (c) => new Date(c.expiration));
  const identity = options.identity ?? workloadApiIdentity(options.workloadApi ?? {});
  const key = {
    kind: 'aws-web-identity',
    address: identity.cacheKey,
    roleArn: options.roleArn,
    audience,
    endpoint,
    sessionName: options.sessionName ?? '',
    durationSeconds: options.durationSeconds ?? 0,
  };
  const cached = cache?.get(key);
  if (cached) return cached;
  const svid = await identity.fetchJwtSvid(audience);
  const credentials = await assumeRoleWithWebIdentity(
    {
      endpoint,
      roleArn: options.roleArn,
      sessionName: options.sessionName ?? sessionNameFor(svid.id.toString()),
      durationSeconds: options.durationSeconds,
    },
    svid,
  );
  await cache?.put(key, credentials);
  return credentials;
}
