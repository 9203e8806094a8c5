import { randomBytes, randomUUID } from 'node:crypto';
import type { TestCa } from '../../test-ca';
import { HttpsFake, type TlsRecordedRequest } from '../kube/https-fake';
import { STS_XML_NAMESPACE, stsError, stsXml, xmlEscape } from './aws-xml';
import type { FakeResponse } from './http-fake';
import { type FakeAwsCredentials, verifySigV4 } from './sigv4-check';

/** Who a set of credentials belongs to, as `GetCallerIdentity` reports it. */
export interface FakeAwsCallerIdentity {
  /** `arn:aws:sts::<acct>:assumed-role/<role>/<session>` or `arn:aws:iam::<acct>:user/<name>`. */
  readonly arn: string;
  readonly account: string;
  /** `AROA…:<session>` for a role session, `AIDA…` for a user. */
  readonly userId: string;
}

/** Options of {@link FakeAwsStsCallerIdentity}. */
export interface FakeAwsStsCallerIdentityOptions {
  /** CA of the serving certificate (a fresh one by default); clients trust {@link FakeAwsStsCallerIdentity.caPem}. */
  readonly ca?: TestCa;
  /** How far `X-Amz-Date` may be from now before STS answers "Signature expired" (default 15 min, as AWS). */
  readonly maxSkewSeconds?: number;
}

const GET_CALLER_IDENTITY = 'GetCallerIdentity';

/**
 * Loopback HTTPS fake of AWS STS `GetCallerIdentity` (Query API: form-encoded POST or GET, XML answers,
 * `ErrorResponse` documents). Every request must carry a SigV4 signature (service `sts`) by credentials the test
 * registered ({@link assumedRoleSession}, {@link iamUser}), checked independently the way AWS does, and an
 * `X-Amz-Date` within 15 minutes of now; the answer names the credentials' owner.
 */
export class FakeAwsStsCallerIdentity extends HttpsFake {
  /** Identities answered, oldest first (one per accepted call). */
  readonly answered: FakeAwsCallerIdentity[] = [];
  private readonly owners = new Map<string, FakeAwsCredentials & { identity: FakeAwsCallerIdentity }>();
  private readonly maxSkewMs: number;

  constructor(options: FakeAwsStsCallerIdentityOptions = {}) {
    super((req, url) => this.route(req, url), { ca: options.ca });
    this.maxSkewMs = (options.maxSkewSeconds ?? 900) * 1000;
  }

  /** Issues temporary credentials (with a session token) for `roleArn` (`arn:aws:iam::<acct>:role/<path/name>`). */
  assumedRoleSession(roleArn: string, sessionName: string): FakeAwsCredentials {
    const match = /^arn:(aws[\w-]*):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
    if (!match) throw new Error(`not a role ARN: ${roleArn}`);
    const [, partition, account, roleName] = match;
    return this.register(
      {
        arn: `arn:${partition}:sts::${account}:assumed-role/${roleName}/${sessionName}`,
        account,
        userId: `AROA${randomBytes(8).toString('hex').toUpperCase()}:${sessionName}`,
      },
      true,
    );
  }

  /** Issues long-term credentials (no session token) for an IAM user (`arn:aws:iam::<acct>:user/<name>`). */
  iamUser(userArn: string): FakeAwsCredentials {
    const match = /^arn:aws[\w-]*:iam::(\d{12}):user\/.+$/.exec(userArn);
    if (!match) throw new Error(`not a user ARN: ${userArn}`);
    return this.register(
      { arn: userArn, account: match[1], userId: `AIDA${randomBytes(8).toString('hex').toUpperCase()}` },
      false,
    );
  }

  private register(identity: FakeAwsCallerIdentity, withSession: boolean): FakeAwsCredentials {
    const creds: FakeAwsCredentials = {
      accessKeyId: `${withSession ? 'ASIA' : 'AKIA'}${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: withSession ? randomBytes(48).toString('base64') : undefined,
    };
    this.owners.set(creds.accessKeyId, { ...creds, identity });
    return creds;
  }

  private route(req: TlsRecordedRequest, url: URL): FakeResponse {
    if (req.method !== 'POST' && req.method !== 'GET') return { status: 405 };
    const params = new URLSearchParams(req.method === 'POST' ? req.body : req.query);
    if (typeof req.headers.authorization !== 'string') {
      return stsError(403, 'Sender', 'MissingAuthenticationToken', 'Request is missing Authentication Token');
    }
    const caller = verifySigV4(req, url.search.slice(1), (id) => this.owners.get(id));
    if (typeof caller === 'string') return stsError(403, 'Sender', 'SignatureDoesNotMatch', caller);
    if (caller.service !== 'sts') {
      return stsError(
        403,
        'Sender',
        'SignatureDoesNotMatch',
        `credential should be scoped to correct service: 'sts'`,
      );
    }
    const expired = this.signatureExpired(String(req.headers['x-amz-date']));
    if (expired) return stsError(403, 'Sender', 'SignatureDoesNotMatch', expired);
    const action = params.get('Action') ?? '';
    if (action !== GET_CALLER_IDENTITY || params.get('Version') !== '2011-06-15') {
      return stsError(
        400,
        'Sender',
        'InvalidAction',
        `Could not find operation ${action} for version ${params.get('Version') ?? ''}`,
      );
    }
    const identity = this.owners.get(caller.accessKeyId)?.identity;
    if (!identity)
      return stsError(
        403,
        'Sender',
        'InvalidClientTokenId',
        'The security token included in the request is invalid.',
      );
    this.answered.push(identity);
    return stsXml(
      200,
      `<GetCallerIdentityResponse xmlns="${STS_XML_NAMESPACE}"><GetCallerIdentityResult>` +
        `<Arn>${xmlEscape(identity.arn)}</Arn><UserId>${xmlEscape(identity.userId)}</UserId>` +
        `<Account>${identity.account}</Account></GetCallerIdentityResult>` +
        `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
    );
  }

  /** STS's "Signature expired" message when `X-Amz-Date` is too far from now, else `undefined`. */
  private signatureExpired(amzDate: string): string | undefined {
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
    if (!m) return `Date must be in ISO-8601 'basic format'. Got '${amzDate}'.`;
    const signedAt = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
    const now = Date.now();
    if (Math.abs(now - signedAt) <= this.maxSkewMs) return undefined;
    const fmt = (ms: number): string => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');
    return signedAt < now
      ? `Signature expired: ${amzDate} is now earlier than ${fmt(now - this.maxSkewMs)} (${fmt(now)} - 15 min.)`
      : `Signature not yet current: ${amzDate} is still later than ${fmt(now + this.maxSkewMs)} (${fmt(now)} + 15 min.)`;
  }
}
