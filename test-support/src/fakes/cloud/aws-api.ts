import { randomBytes } from 'node:crypto';
import { HttpFake, type FakeResponse, type RecordedRequest } from './http-fake';
import { type FakeAwsCredentials, type VerifiedCaller, verifySigV4 } from './sigv4-check';

/** An EC2 instance as the fake's DescribeInstances returns it. */
export interface FakeEc2Instance {
  instanceId: string;
  imageId: string;
  state: 'pending' | 'running' | 'stopped' | 'terminated';
  tags: Record<string, string>;
  securityGroups: { id: string; name: string }[];
  iamInstanceProfileArn?: string;
  rootDeviceType: 'ebs' | 'instance-store';
  rootDeviceName: string;
  /** Attach time of the root EBS volume (ISO 8601). */
  rootAttachTime: string;
  /** Attach time of the network interface with device index 0 (ISO 8601). */
  eni0AttachTime: string;
}

/** A role the fake's STS can assume (`arn:aws:iam::<acct>:role/<name>`). */
export interface FakeAssumableRole {
  readonly roleArn: string;
}

/** One API call the fake accepted. */
export interface AwsApiCall {
  readonly action: string;
  readonly caller: VerifiedCaller;
  readonly params: URLSearchParams;
}

/**
 * Loopback fake of the AWS Query APIs the aws_iid server half calls: EC2 `DescribeInstances`,
 * IAM `GetInstanceProfile` and STS `AssumeRole` (form-encoded POST, XML answers, AWS error documents).
 * Every request must carry a valid SigV4 signature by a known key (else 401/403 like AWS).
 */
export class FakeAwsApi extends HttpFake {
  readonly instances = new Map<string, FakeEc2Instance>();
  /** Instance profile name → role ARNs. */
  readonly instanceProfiles = new Map<string, string[]>();
  /** Role ARNs STS lets the base credentials assume. */
  readonly assumableRoles = new Set<string>();
  /** Accepted calls, oldest first. */
  readonly calls: AwsApiCall[] = [];
  private readonly credentials = new Map<string, FakeAwsCredentials & { roleArn?: string }>();

  constructor(readonly baseCredentials: FakeAwsCredentials) {
    super((req, url) => this.route(req, url));
    this.credentials.set(baseCredentials.accessKeyId, baseCredentials);
  }

  /** The role ARN behind an access key issued by AssumeRole, if any. */
  roleOf(accessKeyId: string): string | undefined {
    return this.credentials.get(accessKeyId)?.roleArn;
  }

  private route(req: RecordedRequest, url: URL): FakeResponse {
    if (req.method !== 'POST') return { status: 405 };
    const caller = verifySigV4(req, url.search.slice(1), (id) => this.credentials.get(id));
    if (typeof caller === 'string') {
      return awsError(403, 'SignatureDoesNotMatch', caller);
    }
    const params = new URLSearchParams(req.body);
    const action = params.get('Action') ?? '';
    this.calls.push({ action, caller, params });
    if (caller.service === 'ec2' && action === 'DescribeInstances') return this.describeInstances(params);
    if (caller.service === 'iam' && action === 'GetInstanceProfile') return this.getInstanceProfile(params);
    if (caller.service === 'sts' && action === 'AssumeRole') return this.assumeRole(params);
    return awsError(400, 'InvalidAction', `the action ${action} is not valid for this web service`);
  }

  private describeInstances(params: URLSearchParams): FakeResponse {
    const id = params.get('InstanceId.1') ?? '';
    const states = [...params.entries()].filter(([k]) => /^Filter\.1\.Value\.\d+$/.test(k)).map(([, v]) => v);
    const instance = this.instances.get(id);
    if (!instance)
      return awsError(400, 'InvalidInstanceID.NotFound', `the instance ID '${id}' does not exist`);
    const visible = states.length === 0 || states.includes(instance.state);
    const reservations = visible
      ? `<item><reservationId>r-0f1</reservationId><instancesSet>${instanceXml(instance)}</instancesSet></item>`
      : '';
    return xml(
      `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${reqId()}</requestId><reservationSet>${reservations}</reservationSet></DescribeInstancesResponse>`,
    );
  }

  private getInstanceProfile(params: URLSearchParams): FakeResponse {
    const name = params.get('InstanceProfileName') ?? '';
    const roles = this.instanceProfiles.get(name);
    if (!roles) return awsError(404, 'NoSuchEntity', `instance profile ${name} cannot be found`);
    const members = roles
      .map(
        (arn) =>
          `<member><RoleName>${esc(arn.split('/').pop() ?? '')}</RoleName><Arn>${esc(arn)}</Arn></member>`,
      )
      .join('');
    return xml(
      `<GetInstanceProfileResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetInstanceProfileResult><InstanceProfile><InstanceProfileName>${esc(name)}</InstanceProfileName><Roles>${members}</Roles></InstanceProfile></GetInstanceProfileResult><ResponseMetadata><RequestId>${reqId()}</RequestId></ResponseMetadata></GetInstanceProfileResponse>`,
    );
  }

  private assumeRole(params: URLSearchParams): FakeResponse {
    const roleArn = params.get('RoleArn') ?? '';
    if (!this.assumableRoles.has(roleArn))
      return awsError(403, 'AccessDenied', `not authorized to perform sts:AssumeRole on ${roleArn}`);
    const creds = {
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(20).toString('base64'),
      sessionToken: randomBytes(32).toString('base64'),
      roleArn,
    };
    this.credentials.set(creds.accessKeyId, creds);
    const expiration = new Date(Date.now() + 3600_000).toISOString();
    return xml(
      `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>${creds.accessKeyId}</AccessKeyId><SecretAccessKey>${esc(creds.secretAccessKey)}</SecretAccessKey><SessionToken>${esc(creds.sessionToken)}</SessionToken><Expiration>${expiration}</Expiration></Credentials><AssumedRoleUser><Arn>${esc(roleArn)}</Arn><AssumedRoleId>AROA:${esc(params.get('RoleSessionName') ?? '')}</AssumedRoleId></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>`,
    );
  }
}

function instanceXml(i: FakeEc2Instance): string {
  const tags = Object.entries(i.tags)
    .map(([k, v]) => `<item><key>${esc(k)}</key><value>${esc(v)}</value></item>`)
    .join('');
  const groups = i.securityGroups
    .map((g) => `<item><groupId>${esc(g.id)}</groupId><groupName>${esc(g.name)}</groupName></item>`)
    .join('');
  const profile = i.iamInstanceProfileArn
    ? `<iamInstanceProfile><arn>${esc(i.iamInstanceProfileArn)}</arn><id>AIPA0</id></iamInstanceProfile>`
    : '';
  return `<item><instanceId>${esc(i.instanceId)}</instanceId><imageId>${esc(i.imageId)}</imageId><instanceState><code>16</code><name>${i.state}</name></instanceState>${profile}<rootDeviceType>${i.rootDeviceType}</rootDeviceType><rootDeviceName>${esc(i.rootDeviceName)}</rootDeviceName><blockDeviceMapping><item><deviceName>${esc(i.rootDeviceName)}</deviceName><ebs><volumeId>vol-0a</volumeId><status>attached</status><attachTime>${i.rootAttachTime}</attachTime><deleteOnTermination>true</deleteOnTermination></ebs></item></blockDeviceMapping><networkInterfaceSet><item><networkInterfaceId>eni-0a</networkInterfaceId><attachment><attachmentId>eni-attach-0a</attachmentId><deviceIndex>0</deviceIndex><status>attached</status><attachTime>${i.eni0AttachTime}</attachTime></attachment></item></networkInterfaceSet><groupSet>${groups}</groupSet><tagSet>${tags}</tagSet></item>`;
}

function awsError(status: number, code: string, message: string): FakeResponse {
  return xml(
    `<Response><Errors><Error><Code>${code}</Code><Message>${esc(message)}</Message></Error></Errors><RequestID>${reqId()}</RequestID></Response>`,
    status,
  );
}

function xml(body: string, status = 200): FakeResponse {
  return {
    status,
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
    headers: { 'content-type': 'text/xml;charset=UTF-8' },
  };
}

function reqId(): string {
  return randomBytes(16).toString('hex');
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
