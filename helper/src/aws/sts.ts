/**
 * STS `AssumeRoleWithWebIdentity` over the Query API: an unsigned form POST (the JWT-SVID is the credential),
 * answered in XML (CLOUD-FEDERATION.md §2.2).
 */
import { InvalidArgumentError } from '@lanyard/base';
import type { JwtSvid } from '@lanyard/spiffe';
import { CloudExchangeError, claimNamedIn } from '../exchange-error';
import type { AwsCredentials } from './credentials';
import { xmlElementText } from './xml';

/** Parameters of one `AssumeRoleWithWebIdentity` call. */
export interface AssumeRoleParams {
  /** STS base URL, e.g. `https://sts.us-east-1.amazonaws.com/`. */
  readonly endpoint: string;
  readonly roleArn: string;
  readonly sessionName: string;
  /** 900 .. role maximum; omitted means STS's default (3600). */
  readonly durationSeconds?: number;
  /** Deadline of the HTTP call in ms (default 30 s). */
  readonly timeoutMs?: number;
}

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/.+$/;

/** STS's endpoint for `region` (global endpoint when none). */
export function stsEndpointFor(region: string | undefined): string {
  return region ? `https://sts.${region}.amazonaws.com/` : 'https://sts.amazonaws.com/';
}

/**
 * A valid `RoleSessionName` derived from a SPIFFE ID: characters STS refuses (`:`, `/`) become `-`, the
 * `spiffe://` scheme is dropped and the result is cut to 64 characters.
 */
export function sessionNameFor(spiffeId: string): string {
  const name = spiffeId
    .replace(/^spiffe:\/\//, '')
    .replace(/[^\w+=,.@-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  return name.length >= 2 ? name : `lanyard-${name}`;
}

/** Checks the parameters STS would refuse with `ValidationError`, naming the flag. */
export function validateAssumeRoleParams(params: {
  readonly roleArn: string;
  readonly sessionName?: string;
  readonly durationSeconds?: number;
}): void {
  if (!ROLE_ARN.test(params.roleArn)) {
    throw new InvalidArgumentError(
      `roleArn "${params.roleArn}" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`,
    );
  }
  if (params.sessionName !== undefined && !SESSION_NAME.test(params.sessionName)) {
    throw new InvalidArgumentError(
      `sessionName "${params.sessionName}" must be 2-64 characters of letters, digits and +=,.@_-`,
    );
  }
  const duration = params.durationSeconds;
  if (duration !== undefined && (!Number.isInteger(duration) || duration < 900 || duration > 43200)) {
    throw new InvalidArgumentError(`durationSeconds ${duration} must be an integer from 900 to 43200`);
  }
}

/** Calls `AssumeRoleWithWebIdentity` with `svid`; throws {@link CloudExchangeError} with STS's error code. */
export async function assumeRoleWithWebIdentity(
  params: AssumeRoleParams,
  svid: JwtSvid,
): Promise<AwsCredentials> {
  const form = new URLSearchParams({
    Action: 'AssumeRoleWithWebIdentity',
    Version: '2011-06-15',
    RoleArn: params.roleArn,
    RoleSessionName: params.sessionName,
    WebIdentityToken: svid.token,
  });
  if (params.durationSeconds !== undefined) form.set('DurationSeconds', String(params.durationSeconds));
  let response: Response;
  try {
    response = await fetch(params.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', accept: 'text/xml' },
      body: form.toString(),
      signal: AbortSignal.timeout(params.timeoutMs ?? 30_000),
    });
  } catch (err) {
    throw new CloudExchangeError({
      service: 'aws sts',
      cloudCode: 'Unreachable',
      cloudMessage: `${params.endpoint}: ${(err as Error).message}`,
    });
  }
  const body = await response.text();
  if (!response.ok) {
    const message = xmlElementText(body, 'Message') ?? body.slice(0, 500);
    throw new CloudExchangeError({
      service: 'aws sts',
      cloudCode: xmlElementText(body, 'Code') ?? `HTTP ${response.status}`,
      cloudMessage: message,
      claim: claimNamedIn(message, svid.claims),
    });
  }
  return credentialsFromXml(body);
}

function credentialsFromXml(body: string): AwsCredentials {
  const field = (name: string): string => {
    const value = xmlElementText(body, name);
    if (!value) {
      throw new CloudExchangeError({
        service: 'aws sts',
        cloudCode: 'MalformedResponse',
        cloudMessage: `the answer has no ${name}`,
      });
    }
    return value;
  };
  return {
    accessKeyId: field('AccessKeyId'),
    secretAccessKey: field('SecretAccessKey'),
    sessionToken: field('SessionToken'),
    expiration: field('Expiration'),
  };
}
