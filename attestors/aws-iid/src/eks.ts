import { PermissionDeniedError } from '@lanyard/base';
import { type AwsAccountClients, type AwsSdk, awsCall } from './aws-sdk';

/**
 * `validate_eks_cluster_membership`: the instance must belong to an Auto Scaling group of a node group of one of
 * `clusters`. Lists each cluster's node groups (EKS `ListNodegroups`, every page), reads their Auto Scaling
 * groups (`DescribeNodegroup`) and looks for the instance in them (`DescribeAutoScalingGroups`). The lists are
 * read afresh on every attestation, so a node that just joined is seen at once.
 * @throws PermissionDeniedError when the instance is in none of them.
 */
export async function assertEksClusterMember(
  sdk: AwsSdk,
  clients: AwsAccountClients,
  clusters: readonly string[],
  instanceId: string,
): Promise<void> {
  for (const cluster of clusters) {
    const groups = await autoScalingGroupsOf(sdk, clients, cluster);
    if (groups.length > 0 && (await anyGroupHolds(sdk, clients, groups, instanceId))) return;
  }
  throw new PermissionDeniedError(
    `aws_iid: instance ${instanceId} is not a node of any of the EKS clusters ${clusters.join(', ')}`,
    'ERR_AWS_IID_EKS',
  );
}

async function autoScalingGroupsOf(
  sdk: AwsSdk,
  clients: AwsAccountClients,
  cluster: string,
): Promise<string[]> {
  const nodegroups = await awsCall('eks ListNodegroups', async () => {
    const names: string[] = [];
    for await (const page of sdk.eks.paginateListNodegroups(
      { client: clients.eks },
      { clusterName: cluster },
    )) {
      names.push(...(page.nodegroups ?? []));
    }
    return names;
  });
  const groups: string[] = [];
  for (const nodegroupName of nodegroups) {
    const command = new sdk.eks.DescribeNodegroupCommand({ clusterName: cluster, nodegroupName });
    const answer = await awsCall('eks DescribeNodegroup', () => clients.eks.send(command));
    for (const group of answer.nodegroup?.resources?.autoScalingGroups ?? []) {
      if (group.name) groups.push(group.name);
    }
  }
  return groups;
}

async function anyGroupHolds(
  sdk: AwsSdk,
  clients: AwsAccountClients,
  groupNames: string[],
  instanceId: string,
): Promise<boolean> {
  return awsCall('autoscaling DescribeAutoScalingGroups', async () => {
    const pages = sdk.autoScaling.paginateDescribeAutoScalingGroups(
      { client: clients.autoScaling },
      { AutoScalingGroupNames: groupNames },
    );
    for await (const page of pages) {
      for (const group of page.AutoScalingGroups ?? []) {
        if (group.Instances?.some((i) => i.InstanceId === instanceId)) return true;
      }
    }
    return false;
  });
}
