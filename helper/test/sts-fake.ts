/**
 * A minimal loopback STS for the helper's own tests: checks the Query API form of `AssumeRoleWithWebIdentity`
 * and the token's `aud`/`sub` against a trust policy, answering in STS's XML (success or `ErrorResponse`).
 */
import { jwtPayload, startLoopback, type LoopbackAnswer, type LoopbackServer } from './helpers';

/** What the fake trusts. */
export interface StsTrust {
  readonly roleArn: string;
  readonly audience: string;
  readonly subject: string;
  /** Lifetime of issued credentials (default 3600 s). */
  readonly lifetimeSeconds?: number;
}

function stsError(status: number, code: string, message: string): LoopbackAnswer {
  return {
    status,
    body:
      '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>' +
      `<Code>${code}</Code><Message>${message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`,
  };
}

/** Starts the fake; `issued` counts the credentials it handed out. */
export async function startStsFake(trust: StsTrust): Promise<LoopbackServer & { issued(): number }> {
  let issued = 0;
  const server = await startLoopback((request) => {
    const form = new URLSearchParams(request.body);
    if (request.method !== 'POST' || form.get('Action') !== 'AssumeRoleWithWebIdentity') {
      return stsError(400, 'InvalidAction', 'Could not find operation');
    }
    if (form.get('Version') !== '2011-06-15' || request.headers.authorization !== undefined) {
      return stsError(400, 'ValidationError', 'bad Version or a signed request');
    }
    if (!/^[\w+=,.@-]{2,64}$/.test(form.get('RoleSessionName') ?? '')) {
      return stsError(400, 'ValidationError', 'Value at roleSessionName failed to satisfy constraint');
    }
    const claims = jwtPayload(form.get('WebIdentityToken') ?? 'x.e30.x');
    if (
      claims.aud !== trust.audience &&
      !(Array.isArray(claims.aud) && claims.aud.includes(trust.audience))
    ) {
      return stsError(400, 'InvalidIdentityToken', 'Incorrect token audience');
    }
    if (form.get('RoleArn') !== trust.roleArn || claims.sub !== trust.subject) {
      return stsError(403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
    }
    issued += 1;
    const expiration = new Date(Date.now() + (trust.lifetimeSeconds ?? 3600) * 1000).toISOString();
    return {
      status: 200,
      body:
        '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">' +
        '<AssumeRoleWithWebIdentityResult>' +
        `<SubjectFromWebIdentityToken>${String(claims.sub)}</SubjectFromWebIdentityToken>` +
        `<Credentials><AccessKeyId>ASIAFAKE${issued}</AccessKeyId>` +
        '<SecretAccessKey>secret&amp;key</SecretAccessKey>' +
        `<SessionToken>session-${issued}</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
        '</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>',
    };
  });
  return Object.assign(server, { issued: () => issued });
}
