import { randomBytes } from 'node:crypto';
import { type FakeOrgAccount, eksCall, organizationsCall } from './aws-json-apis';
import { awsRequestId, ec2Error, queryError, queryResult, xmlEscape as esc, xmlResponse } from './aws-xml';
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
 * Loopback fake of the AWS APIs the aws_iid server half calls, each in its real wire protocol: EC2
 * `DescribeInstances` (EC2 Query), IAM `GetInstanceProfile`, STS `AssumeRole` and `AssumeRoleWithWebIdentity`,
 * Auto Scaling `DescribeAutoScalingGroups` (Query: form POST, XML answers), Organizations `ListAccounts` (JSON 1.1)
 * and EKS `ListNodegroups`/`DescribeNodegroup` (REST-JSON). Every request but `AssumeRoleWithWebIdentity` must
 * carry a valid SigV4 signature by a known key for the service it names (else 403 like AWS).
 */
export class FakeAwsApi extends HttpFake {
  readonly instances = new Map<string, FakeEc2Instance>();
  /** Instance profile name → role ARNs. */
  readonly instanceProfiles = new Map<string, string[]>();
  /** Role ARNs STS lets the base credentials (or any credentials it issued) assume. */
  readonly assumableRoles = new Set<string>();
  /** Web identity token → the role ARN `AssumeRoleWithWebIdentity` lets it assume. */
  readonly webIdentityTokens = new Map<string, string>();
  /** Accounts of the organization, in `ListAccounts` order. */
  readonly orgAccounts: FakeOrgAccount[] = [];
  /** Accounts per `ListAccounts` page. */
  orgPageSize = 20;
  /** EKS cluster name → node group name → names of its Auto Scaling groups. */
  readonly eksClusters = new Map<string, Map<string, string[]>>();
  /** Auto Scaling group name → IDs of its instances. */
  readonly autoScalingGroups = new Map<string, string[]>();
  /** Accepted calls, oldest first. */
  readonly calls: AwsApiCall[] = [];
  private readonly credentials = new Map<string, FakeAwsCredentials & { roleArn?: string }>();

  constructor(readonly baseCredentials: FakeAwsCredentials) {
    super((req, url) => this.route(req, url));
    this.credentials.set(baseCredentials.accessKeyId, baseCredentials);
  }

  /** The keys behind an access key ID (base or issued by AssumeRole), for fakes of other services. */
  credentialsFor(accessKeyId: string): FakeAwsCredentials | undefined {
    return this.credentials.get(accessKeyId);
  }

  /** The role ARN behind an access key issued by AssumeRole, if any. */
  roleOf(accessKeyId: string): string | undefined {
    return this.credentials.get(accessKeyId)?.roleArn;
  }

  private route(req: RecordedRequest, url: URL): FakeResponse {
    const unsigned = req.method === 'POST' ? new URLSearchParams(req.body) : undefined;
    if (unsigned?.get('Action') === 'AssumeRoleWithWebIdentity')
      return this.assumeRoleWithWebIdentity(unsigned);
    const caller = verifySigV4(req, url.search.slice(1), (id) => this.credentials.get(id));
    if (typeof caller === 'string') {
      return queryError(403, 'SignatureDoesNotMatch', caller);
    }
    if (caller.service === 'organizations') {
      this.calls.push({ action: 'ListAccounts', caller, params: new URLSearchParams() });
      return organizationsCall(req, this.orgAccounts, this.orgPageSize);
    }
    if (caller.service === 'eks') {
      this.calls.push({ action: `GET ${req.path}`, caller, params: new URLSearchParams(req.query) });
      return eksCall(req, this.eksClusters);
    }
    if (req.method !== 'POST') return { status: 405 };
    const params = new URLSearchParams(req.body);
    const action = params.get('Action') ?? '';
    this.calls.push({ action, caller, params });
    return this.queryCall(caller.service, action, params);
  }

  private queryCall(service: string, action: string, params: URLSearchParams): FakeResponse {
    if (service === 'ec2' && action === 'DescribeInstances') return this.describeInstances(params);
    if (service === 'iam' && action === 'GetInstanceProfile') return this.getInstanceProfile(params);
    if (service === 'sts' && action === 'AssumeRole') return this.assumeRole(params);
    if (service === 'autoscaling' && action === 'DescribeAutoScalingGroups')
      return this.describeAutoScalingGroups(params);
    const invalid = `the action ${action} is not valid for this web service`;
    return service === 'ec2'
      ? ec2Error(400, 'InvalidAction', invalid)
      : queryError(400, 'InvalidAction', invalid);
  }

  private describeInstances(params: URLSearchParams): FakeResponse {
    const id = params.get('InstanceId.1') ?? '';
    const states = [...params.entries()].filter(([k]) => /^Filter\.1\.Value\.\d+$/.test(k)).map(([, v]) => v);
    const instance = this.instances.get(id);
    if (!instance)
      return ec2Error(400, 'InvalidInstanceID.NotFound', `the instance ID '${id}' does not exist`);
    const visible = states.length === 0 || states.includes(instance.state);
    const reservations = visible
      ? `<item><reservationId>r-0f1</reservationId><instancesSet>${instanceXml(instance)}</instancesSet></item>`
      : '';
    return xmlResponse(
      `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${awsRequestId()}</requestId><reservationSet>${reservations}</reservationSet></DescribeInstancesResponse>`,
    );
  }

  private getInstanceProfile(params: URLSearchParams): FakeResponse {
    const name = params.get('InstanceProfileName') ?? '';
    const roles = this.instanceProfiles.get(name);
    if (!roles) return queryError(404, 'NoSuchEntity', `instance profile ${name} cannot be found`);
    const members = roles
      .map(
        (arn) =>
          `<member><RoleName>${esc(arn.split('/').pop() ?? '')}</RoleName><Arn>${esc(arn)}</Arn></member>`,
      )
      .join('');
    return queryResult(
      'GetInstanceProfile',
      'https://iam.amazonaws.com/doc/2010-05-08/',
      `<InstanceProfile><InstanceProfileName>${esc(name)}</InstanceProfileName><Roles>${members}</Roles></InstanceProfile>`,
    );
  }

  private assumeRole(params: URLSearchParams): FakeResponse {
    const roleArn = params.get('RoleArn') ?? '';
    if (!this.assumableRoles.has(roleArn))
      return queryError(403, 'AccessDenied', `not authorized to perform sts:AssumeRole on ${roleArn}`);
    return this.issueRoleCredentials('AssumeRole', roleArn, params);
  }

  private assumeRoleWithWebIdentity(params: URLSearchParams): FakeResponse {
    const roleArn = params.get('RoleArn') ?? '';
    const token = params.get('WebIdentityToken') ?? '';
    if (this.webIdentityTokens.get(token) !== roleArn) {
      return queryError(400, 'InvalidIdentityToken', 'the web identity token is not valid for this role');
    }
    this.calls.push({
      action: 'AssumeRoleWithWebIdentity',
      caller: { accessKeyId: '', service: 'sts', region: '' },
      params,
    });
    return this.issueRoleCredentials('AssumeRoleWithWebIdentity', roleArn, params);
  }

  private issueRoleCredentials(action: string, roleArn: string, params: URLSearchParams): FakeResponse {
    const creds = {
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(20).toString('base64'),
      sessionToken: randomBytes(32).toString('base64'),
      roleArn,
    };
    this.credentials.set(creds.accessKeyId, creds);
    const expiration = new Date(Date.now() + 3600_000).toISOString();
    return queryResult(
      action,
      'https://sts.amazonaws.com/doc/2011-06-15/',
      `<Credentials><AccessKeyId>${creds.accessKeyId}</AccessKeyId><SecretAccessKey>${esc(creds.secretAccessKey)}</SecretAccessKey><SessionToken>${esc(creds.sessionToken)}</SessionToken><Expiration>${expiration}</Expiration></Credentials><AssumedRoleUser><Arn>${esc(roleArn)}</Arn><AssumedRoleId>AROA:${esc(params.get('RoleSessionName') ?? '')}</AssumedRoleId></AssumedRoleUser>`,
    );
  }

  private describeAutoScalingGroups(params: URLSearchParams): FakeResponse {
    const names = [...params.entries()]
      .filter(([k]) => /^AutoScalingGroupNames\.member\.\d+$/.test(k))
      .map(([, v]) => v);
    const groups = names
      .filter((name) => this.autoScalingGroups.has(name))
      .map((name) => {
        const instances = (this.autoScalingGroups.get(name) ?? [])
          .map(
            (id) =>
              `<member><InstanceId>${esc(id)}</InstanceId><LifecycleState>InService</LifecycleState></member>`,
          )
          .join('');
        return `<member><AutoScalingGroupName>${esc(name)}</AutoScalingGroupName><Instances>${instances}</Instances></member>`;
      })
      .join('');
    return queryResult(
      'DescribeAutoScalingGroups',
      'http://autoscaling.amazonaws.com/doc/2011-01-01/',
      `<AutoScalingGroups>${groups}</AutoScalingGroups>`,
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
