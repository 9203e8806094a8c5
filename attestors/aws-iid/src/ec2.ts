import type { Instance } from '@aws-sdk/client-ec2';
import type { Selector } from '@lanyard/attestor-core';
import { InternalError, PermissionDeniedError } from '@lanyard/base';
import { type AwsAccountClients, type AwsSdk, awsCall } from './aws-sdk';
import { AWS_IID_PLUGIN_NAME } from './shared';

/** What aws_iid needs from `DescribeInstances`. */
export interface Ec2Instance {
  readonly tags: Record<string, string>;
  readonly securityGroups: { id: string; name: string }[];
  readonly iamInstanceProfileArn?: string;
  readonly rootDeviceType: string;
  readonly rootDeviceName: string;
  readonly blockDevices: { deviceName: string; attachTime?: Date }[];
  readonly networkInterfaces: { deviceIndex: number; attachTime?: Date }[];
}

const MAX_ATTACH_SKEW_SECONDS = 60;

/**
 * Looks the instance up with `DescribeInstances` (only pending or running instances, like SPIRE).
 * @throws PermissionDeniedError when AWS returns no such live instance.
 */
export async function describeInstance(
  sdk: AwsSdk,
  clients: AwsAccountClients,
  instanceId: string,
): Promise<Ec2Instance> {
  const command = new sdk.ec2.DescribeInstancesCommand({
    InstanceIds: [instanceId],
    Filters: [{ Name: 'instance-state-name', Values: ['pending', 'running'] }],
  });
  const answer = await awsCall('ec2 DescribeInstances', () => clients.ec2.send(command));
  const instance = answer.Reservations?.[0]?.Instances?.[0];
  if (!instance) {
    throw new PermissionDeniedError(
      `aws_iid: describe-instances returned no running instance ${instanceId}`,
      'ERR_AWS_IID_INSTANCE',
    );
  }
  return toInstance(instance);
}

function toInstance(x: Instance): Ec2Instance {
  const tags: Record<string, string> = {};
  for (const tag of x.Tags ?? []) tags[tag.Key ?? ''] = tag.Value ?? '';
  return {
    tags,
    securityGroups: (x.SecurityGroups ?? []).map((g) => ({ id: g.GroupId ?? '', name: g.GroupName ?? '' })),
    iamInstanceProfileArn: x.IamInstanceProfile?.Arn,
    rootDeviceType: x.RootDeviceType ?? '',
    rootDeviceName: x.RootDeviceName ?? '',
    blockDevices: (x.BlockDeviceMappings ?? []).map((b) => ({
      deviceName: b.DeviceName ?? '',
      attachTime: b.Ebs?.AttachTime,
    })),
    networkInterfaces: (x.NetworkInterfaces ?? []).map((n) => ({
      deviceIndex: n.Attachment?.DeviceIndex ?? -1,
      attachTime: n.Attachment?.AttachTime,
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
  const skew = Math.abs((eni0.attachTime?.getTime() ?? NaN) - (root.attachTime?.getTime() ?? NaN)) / 1000;
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
  sdk: AwsSdk,
  clients: AwsAccountClients,
  profileArn: string,
): Promise<Selector[]> {
  const match = /^arn:[^:]+:iam::\d*:instance-profile[/:](.+)$/.exec(profileArn);
  if (!match)
    throw new InternalError(`aws_iid: ${profileArn} is not an instance profile ARN`, 'ERR_AWS_IID_PROFILE');
  const command = new sdk.iam.GetInstanceProfileCommand({ InstanceProfileName: match[1].split('/').pop() });
  const answer = await awsCall('iam GetInstanceProfile', () => clients.iam.send(command));
  return (answer.InstanceProfile?.Roles ?? [])
    .map((role) => role.Arn)
    .filter((arn): arn is string => arn !== undefined && arn !== '')
    .map((arn) => ({ type: AWS_IID_PLUGIN_NAME, value: `iamrole:${arn}` }));
}
