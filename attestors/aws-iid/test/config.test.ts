import { parseServerConfig } from '../src';

const base = { access_key_id: 'AKIA', secret_access_key: 's', instance_identity_ca_path: '/nonexistent.pem' };

describe('aws_iid server config', () => {
  it.each([
    [{ ...base, bogus: 1 }, /section "aws_iid plugin_data": keys bogus/],
    [{ access_key_id: 'AKIA', secret_access_key: 's' }, /instance_identity_ca_path is required/],
    [{ ...base, partition: 'mars' }, /partition must be one of aws, aws-cn, aws-us-gov/],
    [{ ...base, skip_block_device: 'yes' }, /plugin_data.skip_block_device: must be a boolean/],
    [
      { ...base, access_key_id: undefined },
      /access_key_id and secret_access_key must be configured together/,
    ],
    [{ ...base }, /instance_identity_ca_path cannot be read/],
    [
      { ...base, verify_organization: { management_account_id: '1', assume_org_role: 'r' } },
      /organizations API mode\) is not supported/,
    ],
    [{ ...base, agent_path_template: '/{{ printf "%s" .X }}' }, /action .* is not supported/],
  ])('rejects %j', (data, reason) => {
    expect(() => parseServerConfig(data as Record<string, unknown>, {})).toThrow(reason);
  });
});
