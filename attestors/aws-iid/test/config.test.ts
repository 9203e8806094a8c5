import { parseServerConfig } from '../src';

const base = { access_key_id: 'AKIA', secret_access_key: 's' };

describe('aws_iid server config', () => {
  it.each([
    [{ ...base, bogus: 1 }, /section "aws_iid plugin_data": keys bogus/],
    [{ ...base, partition: 'mars' }, /partition must be one of aws, aws-cn, aws-us-gov/],
    [{ ...base, skip_block_device: 'yes' }, /plugin_data.skip_block_device: must be a boolean/],
    [{ secret_access_key: 's' }, /access_key_id and secret_access_key must be configured together/],
    [{ ...base, instance_identity_ca_path: '/nonexistent.pem' }, /instance_identity_ca_path cannot be read/],
    [
      { ...base, verify_organization: { management_account_id: '1', assume_org_role: 'r' } },
      /management_account_id is required and must be a 12-digit account id/,
    ],
    [
      { ...base, verify_organization: { management_account_id: '111111111111' } },
      /assume_org_role is required with management_account_id/,
    ],
    [
      { ...base, verify_organization: { account_list_file: '/a.json', assume_org_role: 'r' } },
      /account_list_file is mutually exclusive with management_account_id and assume_org_role/,
    ],
    [
      { ...base, verify_organization: { account_list_file: '/a.json', org_account_map_ttl: '30s' } },
      /org_account_map_ttl must be at least 1m/,
    ],
    [{ ...base, validate_eks_cluster_membership: {} }, /eks_cluster_names is required/],
    [{ ...base, validate_eks_cluster_membership: { eks_names: ['a'] } }, /keys eks_names/],
    [{ ...base, eks_endpoint: 'ftp://x' }, /eks_endpoint must be an http or https URL/],
    [{ ...base, agent_path_template: '/{{ printf "%s" .X }}' }, /action .* is not supported/],
  ])('rejects %j', (data, reason) => {
    expect(() => parseServerConfig(data as Record<string, unknown>)).toThrow(reason);
  });

  it('accepts a SPIRE config with no keys and no certificate path (credential chain, built-in certificates)', () => {
    const config = parseServerConfig({
      verify_organization: { management_account_id: '111111111111', assume_org_role: 'org-reader' },
      validate_eks_cluster_membership: { eks_cluster_names: ['prod'] },
    });
    expect(config.staticCredentials).toBeUndefined();
    expect(config.signerCertsPem).toBeUndefined();
    expect(config.verifyOrganization).toEqual({
      mode: 'api',
      managementAccountId: '111111111111',
      assumeOrgRole: 'org-reader',
      region: 'us-west-2',
      ttlMs: 180_000,
    });
    expect(config.eksClusterNames).toEqual(['prod']);
  });
});
