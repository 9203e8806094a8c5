import { silentLogger } from '@lanyard/attestor-core';
import { StatusCode } from '@lanyard/base';
import { UnknownPluginError } from '@lanyard/common';
import { SERVER_NODE_ATTESTORS } from '../../src/catalog/builtins';
import { NodeAttestorCatalog } from '../../src/catalog/node-attestors';

const deps = {
  trustDomain: 'example.org',
  logger: silentLogger,
  joinTokens: { consumeJoinToken: async () => undefined },
  attestedNodes: { isAttested: async () => false },
  now: Date.now,
};

describe('node attestor catalog', () => {
  it('registers join_token, every cloud node attestor and x509pop', () => {
    expect(SERVER_NODE_ATTESTORS.names()).toEqual([
      'aws_iid',
      'azure_imds',
      'azure_msi',
      'gcp_iit',
      'join_token',
      'k8s_psat',
      'x509pop',
    ]);
  });

  it('always offers join_token and skips disabled blocks', async () => {
    const empty = await NodeAttestorCatalog.create([], deps);
    expect(empty.names()).toEqual(['join_token']);
    const disabled = await NodeAttestorCatalog.create(
      [{ name: 'join_token', pluginData: {}, enabled: false }],
      deps,
    );
    expect(disabled.get('join_token')).toBeUndefined();
  });

  it('rejects unknown names with the shared InvalidArgument error, duplicates and bad plugin_data', async () => {
    const unknown = NodeAttestorCatalog.create([{ name: 'tpm_devid', pluginData: {} }], deps);
    await expect(unknown).rejects.toBeInstanceOf(UnknownPluginError);
    await expect(unknown).rejects.toThrow('no built-in plugin "tpm_devid" for type "NodeAttestor"');
    await expect(unknown).rejects.toMatchObject({ grpcStatus: StatusCode.INVALID_ARGUMENT });
    await expect(
      NodeAttestorCatalog.create(
        [
          { name: 'join_token', pluginData: {} },
          { name: 'join_token', pluginData: {} },
        ],
        deps,
      ),
    ).rejects.toThrow('NodeAttestor "join_token" is configured more than once');
    await expect(
      NodeAttestorCatalog.create([{ name: 'join_token', pluginData: { x: 1 } }], deps),
    ).rejects.toThrow('section "join_token plugin_data": keys x');
  });
});
