import { InternalError, PermissionDeniedError } from '@lanyard/base';
import { type AwsWorld, CREDS, agentPayload, noChallenge, server, startWorld } from './helpers';

const ORG_ROLE = 'arn:aws:iam::111111111111:role/org-reader';
const AGENT_ID = 'spiffe://example.org/spire/agent/aws_iid/123456789012/us-east-1/i-0abc1234def567890';

let world: AwsWorld;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => world.stop());

const orgApi = { management_account_id: '111111111111', assume_org_role: 'org-reader' };

/** 25 accounts over two pages of 20, the attesting one on the second page in `state`. */
function fillOrganization(state: 'ACTIVE' | 'SUSPENDED'): void {
  for (let i = 0; i < 24; i++) world.api.orgAccounts.push({ id: String(200000000000 + i), state: 'ACTIVE' });
  world.api.orgAccounts.push({ id: '123456789012', state });
}

describe('aws_iid verify_organization through the Organizations API', () => {
  it('assumes assume_org_role in the management account and pages through ListAccounts', async () => {
    world.api.assumableRoles.add(ORG_ROLE);
    fillOrganization('ACTIVE');
    const attestor = await server(world, { verify_organization: orgApi });
    await expect(attestor.attest(await agentPayload(world), noChallenge)).resolves.toMatchObject({
      agentId: AGENT_ID,
    });
    const [assume, page1, page2] = world.api.calls;
    expect(assume).toMatchObject({ action: 'AssumeRole', caller: { accessKeyId: CREDS.accessKeyId } });
    expect(assume.params.get('RoleArn')).toBe(ORG_ROLE);
    expect(page1.action).toBe('ListAccounts');
    expect(page2.action).toBe('ListAccounts');
    expect(world.api.roleOf(page1.caller.accessKeyId)).toBe(ORG_ROLE);
    expect(page1.caller.region).toBe('us-west-2');
  });

  it('keeps the list for org_account_map_ttl and refuses accounts that are not ACTIVE', async () => {
    world.api.assumableRoles.add(ORG_ROLE);
    fillOrganization('SUSPENDED');
    const attestor = await server(world, {
      verify_organization: { ...orgApi, management_account_region: 'eu-west-1' },
    });
    const attempt = attestor.attest(await agentPayload(world), noChallenge);
    await expect(attempt).rejects.toThrow(PermissionDeniedError);
    await expect(attempt).rejects.toThrow(/account 123456789012 is not part of the configured organization/);
    const listCalls = () => world.api.calls.filter((c) => c.action === 'ListAccounts');
    expect(listCalls()).toHaveLength(2);
    expect(listCalls()[0].caller.region).toBe('eu-west-1');
    world.api.orgAccounts[24] = { id: '123456789012', state: 'ACTIVE' };
    await expect(attestor.attest(await agentPayload(world), noChallenge)).rejects.toThrow(/is not part of/);
    expect(listCalls()).toHaveLength(2);
  });

  it('fails when the organization role cannot be assumed', async () => {
    const attestor = await server(world, { verify_organization: orgApi });
    const attempt = attestor.attest(await agentPayload(world), noChallenge);
    await expect(attempt).rejects.toThrow(InternalError);
    await expect(attempt).rejects.toThrow(/organizations ListAccounts failed: AccessDenied/);
  });
});

describe('aws_iid validate_eks_cluster_membership', () => {
  const eks = { validate_eks_cluster_membership: { eks_cluster_names: ['staging', 'production'] } };

  beforeEach(() => {
    world.api.eksClusters.set('staging', new Map([['ng-a', ['eks-staging-a']]]));
    world.api.eksClusters.set(
      'production',
      new Map([
        ['ng-1', ['eks-prod-1']],
        ['ng-2', ['eks-prod-2']],
      ]),
    );
    world.api.autoScalingGroups.set('eks-staging-a', ['i-0000000000000000a']);
    world.api.autoScalingGroups.set('eks-prod-1', ['i-0000000000000000b']);
    world.api.autoScalingGroups.set('eks-prod-2', ['i-0000000000000000c', 'i-0abc1234def567890']);
  });

  it('accepts a node of an Auto Scaling group of a node group of a listed cluster', async () => {
    const attestor = await server(world, eks);
    await expect(attestor.attest(await agentPayload(world), noChallenge)).resolves.toMatchObject({
      agentId: AGENT_ID,
    });
    const calls = world.api.calls.map((c) => `${c.caller.service}:${c.action}`);
    expect(calls).toEqual([
      'eks:GET /clusters/staging/node-groups',
      'eks:GET /clusters/staging/node-groups/ng-a',
      'autoscaling:DescribeAutoScalingGroups',
      'eks:GET /clusters/production/node-groups',
      'eks:GET /clusters/production/node-groups/ng-1',
      'eks:GET /clusters/production/node-groups/ng-2',
      'autoscaling:DescribeAutoScalingGroups',
      'ec2:DescribeInstances',
      'iam:GetInstanceProfile',
    ]);
    expect(world.api.calls[6].params.getAll('AutoScalingGroupNames.member.2')).toEqual(['eks-prod-2']);
  });

  it('refuses an instance that is in none of the clusters', async () => {
    world.api.autoScalingGroups.set('eks-prod-2', ['i-0000000000000000c']);
    const attempt = (await server(world, eks)).attest(await agentPayload(world), noChallenge);
    await expect(attempt).rejects.toThrow(PermissionDeniedError);
    await expect(attempt).rejects.toThrow(/is not a node of any of the EKS clusters staging, production/);
    expect(world.api.calls.some((c) => c.action === 'DescribeInstances')).toBe(false);
  });

  it('reports a cluster EKS does not know', async () => {
    const attestor = await server(world, {
      validate_eks_cluster_membership: { eks_cluster_names: ['gone'] },
    });
    await expect(attestor.attest(await agentPayload(world), noChallenge)).rejects.toThrow(
      /eks ListNodegroups failed: ResourceNotFoundException/,
    );
  });
});
