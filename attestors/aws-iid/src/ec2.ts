import type { Selector } from '@lanyard/attestor-core';
import { InternalError, PermissionDeniedError } from '@lanyard/base';
import type { AwsQueryClient } from './aws-client';
import type { AwsCredentials } from './config';
import { AWS_IID_PLUGIN_NAME } from './shared';
import { type XmlElement, child, items, textAt } from './xml';

/** What aws_iid needs from `DescribeInstances`. */
export interface Ec2Instance {
  readonly tags: Record<string, string>;
  readonly securityGroups: { id: string; name: string }[];
  readonly iamInstanceProfileArn?: string;
  readonly rootDeviceType: string;
  readonly rootDeviceName: string;
  readonly blockDevices: { deviceName: string; attachTime?: string }[];
  readonly networkInterfaces: { deviceIndex: number; attachTime?: string }[];
}

const MAX_ATTACH_SKEW_SECONDS = 60;

/**
 * Looks the instance up with `DescribeInstances` (only pending or running instances, like SPIRE).
 * @throws PermissionDeniedError when AWS returns no such live instance.
 */
export async function describeInstance(
  client: AwsQueryClient,
  region: string,
  instanceId: string,
): Promise<Ec2Instance> {
  const xml = await client.call('ec2', region, 'DescribeInstances', {
    'InstanceId.1': instanceId,
    'Filter.1.Name': 'instance-state-name',
    'Filter.1.Value.1': 'pending',
    'Filter.1.Value.2': 'running',
  });
  const instance = items(items(xml, 'reservationSet')[0], 'instancesSet')[0];
  if (!instance) {
    throw new PermissionDeniedError(
      `aws_iid: describe-instances returned no running instance ${instanceId}`,
      'ERR_AWS_IID_INSTANCE',
    );
  }
  return toInstance(instance);
}

function toInstance(x: XmlElement): Ec2Instance {
  const tags: Record<string, string> = {};
  for (const tag of items(x, 'tagSet')) tags[textAt(tag, 'key') ?? ''] = textAt(tag, 'value') ?? '';
  return {
    tags,
    securityGroups: items(x, 'groupSet').map((g) => ({
      id: textAt(g, 'groupId') ?? '',
      name: textAt(g, 'groupName') ?? '',
    })),
    iamInstanceProfileArn: textAt(x, 'iamInstanceProfile', 'arn'),
    rootDeviceType: textAt(x, 'rootDeviceType') ?? '',
    rootDeviceName: textAt(x, 'rootDeviceName') ?? '',
    blockDevices: items(x, 'blockDeviceMapping').map((b) => ({
      deviceName: textAt(b, 'deviceName') ?? '',
      attachTime: textAt(b, 'ebs', 'attachTime'),
    })),
    networkInterfaces: items(x, 'networkInterfaceSet').map((n) => ({
      deviceIndex: Number(textAt(n, 'attachment', 'deviceIndex')),
      attachTime: textAt(n, 'attachment', 'attachTime'),
    })),
  };
}

/**
 * SPIRE's anti-tampering check: the root EBS volume and network interface 0 must have been attached within
 * 60 s of each other (a root volume moved to another instance shows a later attach time).
 * @throws PermissionDeniedError naming what failed.
 */
export function checkBlockDevice(instance: Ec2Instance): void {
  const eni0 = instance.networkInterfaces.find((n) => n.deviceIndex === 0);
  if (!eni0) throw denied('the network interface with device index 0 is inaccessible');
  if (instance.rootDeviceType === 'instance-store') return;
  const root = instance.blockDevices.find((b) => b.deviceName === instance.rootDeviceName);
  if (!root)
    throw denied(`failed to locate the root device block mapping with name "${instance.rootDeviceName}"`);
  const skew = Math.abs(Date.parse(eni0.attachTime ?? '') - Date.parse(root.attachTime ?? '')) / 1000;
  if (!Number.isFinite(skew)) throw denied('device attach times are missing');
  if (skew > MAX_ATTACH_SKEW_SECONDS) {
    throw denied(
      `root block device and network interface 0 attach times differ by ${Math.round(skew)} seconds`,
    );
  }
}

function denied(reason: string): PermissionDeniedError {
  return new PermissionDeniedError(
    `aws_iid: failed aws ec2 attestation: ${reason}`,
    'ERR_AWS_IID_BLOCK_DEVICE',
  );
}

/** `tag:<k>:<v>`, `sg:id:<id>`, `sg:name:<name>` selectors of an instance. */
export function instanceSelectors(instance: Ec2Instance): Selector[] {
  const values = [
    ...Object.entries(instance.tags).map(([k, v]) => `tag:${k}:${v}`),
    ...instance.securityGroups.flatMap((g) => [`sg:id:${g.id}`, `sg:name:${g.name}`]),
  ];
  return values.map((value) => ({ type: AWS_IID_PLUGIN_NAME, value }));
}

/**
 * `iamrole:<role arn>` selectors for the roles of the instance's profile (IAM `GetInstanceProfile`).
 * @throws InternalError when the profile ARN is not an instance-profile ARN.
 */
export async function instanceProfileSelectors(
  client: AwsQueryClient,
  profileArn: string,
): Promise<Selector[]> {
  const match = /^arn:[^:]+:iam::\d*:instance-profile[/:](.+)$/.exec(profileArn);
  if (!match)
    throw new InternalError(`aws_iid: ${profileArn} is not an instance profile ARN`, 'ERR_AWS_IID_PROFILE');
  const name = match[1].split('/').pop() ?? '';
  const xml = await client.call('iam', '', 'GetInstanceProfile', { InstanceProfileName: name });
  const roles = items(child(child(xml, 'GetInstanceProfileResult'), 'InstanceProfile'), 'Roles');
  return roles
    .map((role) => textAt(role, 'Arn'))
    .filter((arn): arn is string => arn !== undefined && arn !== '')
    .map((arn) => ({ type: AWS_IID_PLUGIN_NAME, value: `iamrole:${arn}` }));
}

/** STS `AssumeRole`; returns the temporary credentials. */
export async function assumeRole(
  client: AwsQueryClient,
  region: string,
  roleArn: string,
): Promise<AwsCredentials> {
  const xml = await client.call('sts', region, 'AssumeRole', {
    RoleArn: roleArn,
    RoleSessionName: 'spire-server-aws-iid',
  });
  const creds = child(child(xml, 'AssumeRoleResult'), 'Credentials');
  const accessKeyId = textAt(creds, 'AccessKeyId');
  const secretAccessKey = textAt(creds, 'SecretAccessKey');
  if (!accessKeyId || !secretAccessKey)
    throw new InternalError('aws_iid: sts AssumeRole returned no credentials', 'ERR_AWS_API');
  return { accessKeyId, secretAccessKey, sessionToken: textAt(creds, 'SessionToken') };
}
