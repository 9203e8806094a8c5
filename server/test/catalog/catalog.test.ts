import { silentLogger } from '@lanyard/attestor-core';
import * as awsIid from '@lanyard/attestor-aws-iid';
import * as azureImds from '@lanyard/attestor-azure-imds';
import * as azureMsi from '@lanyard/attestor-azure-msi';
import * as gcpIit from '@lanyard/attestor-gcp-iit';
import * as k8sPsat from '@lanyard/attestor-k8s-psat';
import { NodeAttestorCatalog, builtinServerPlugins } from '../../src/catalog/node-attestors';

const deps = {
  trustDomain: 'example.org',
  logger: silentLogger,
  joinTokens: { consumeJoinToken: async () => undefined },
  attestedNodes: { isAttested: async () => false },
  now: Date.now,
};

describe('node attestor catalog', () => {
  it('registers join_token and every cloud package that exports a server plugin', () => {
    const names = [...builtinServerPlugins().keys()];
    expect(names).toContain('join_token');
    for (const mod of [awsIid, gcpIit, azureMsi, azureImds, k8sPsat] as Array<Record<string, unknown>>) {
      const plugin = mod.serverPlugin as { name?: string } | undefined;
      if (plugin?.name) expect(names).toContain(plugin.name);
    }
  });

  it('always offers join_token, skips disabled blocks and rejects unknown or duplicate plugins', async () => {
    const empty = await NodeAttestorCatalog.create([], deps);
    expect(empty.names()).toEqual(['join_token']);
    const disabled = await NodeAttestorCatalog.create(
      [{ name: 'join_token', pluginData: {}, enabled: false }],
      deps,
    );
    expect(disabled.get('join_token')).toBeUndefined();
    await expect(NodeAttestorCatalog.create([{ name: 'tpm_devid', pluginData: {} }], deps)).rejects.toThrow(
      /unknown NodeAttestor plugin "tpm_devid" \(known: .*join_token/,
    );
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
    ).rejects.toThrow('plugin_data.x is not a known key');
  });
});
