import { formatSelector } from '@lanyard/attestor-core';
import { InternalError, InvalidArgumentError } from '@lanyard/base';
import { APP, DOMAIN, type ImdsWorld, agent, attestOnce, server, startWorld } from './helpers';

const SUB = 'd5b40d61-272e-48da-beb9-05f295c42bd6';
const TENANT = { secret_auth: APP, allowed_vm_tags: ['env'] };

let world: ImdsWorld;
beforeEach(async () => {
  world = await startWorld();
  world.imds.vm.scaleSet = { name: 'web-vmss', instanceId: '3' };
  // Another instance of the same scale set, listed before the attesting one.
  world.apis.vms.unshift({
    ...world.imds.vm,
    vmId: '5c0ffee0-0000-4000-8000-000000000001',
    tags: { env: 'staging' },
    scaleSet: { name: 'web-vmss', instanceId: '1' },
  });
});
afterEach(async () => world.stop());

describe('azure_imds scale-set (VMSS) instances', () => {
  it('finds the instance in the scale set the agent names and adds vmss-name', async () => {
    const result = await attestOnce(world, {}, TENANT);
    expect(result.selectors.map(formatSelector)).toEqual([
      'azure_imds:network-security-group:net-rg:web-nsg',
      'azure_imds:resource-group:prod-rg',
      `azure_imds:subscription-id:${SUB}`,
      'azure_imds:virtual-network-subnet:prod-vnet:web-subnet',
      'azure_imds:virtual-network:prod-vnet',
      'azure_imds:vm-location:eastus',
      'azure_imds:vm-name:web-vmss_3',
      'azure_imds:vm-tag:env:prod',
      'azure_imds:vmss-name:web-vmss',
    ]);
    const paths = world.apis.requests.map((r) => r.path).filter((p) => p.startsWith('/subscriptions/'));
    expect(paths).toEqual([
      `/subscriptions/${SUB}/providers/Microsoft.Compute/virtualMachineScaleSets`,
      `/subscriptions/${SUB}/resourceGroups/prod-rg/providers/Microsoft.Compute/virtualMachineScaleSets/web-vmss/virtualMachines`,
    ]);
  });

  it('refuses when the named scale set does not hold the signed vmId', async () => {
    world.imds.vmScaleSetName = 'other-vmss';
    world.imds.vm.scaleSet = undefined;
    world.apis.vms.push({
      ...world.imds.vm,
      vmId: '5c0ffee0-0000-4000-8000-000000000002',
      scaleSet: { name: 'other-vmss', instanceId: '0' },
    });
    const attempt = attestOnce(world, {}, TENANT);
    await expect(attempt).rejects.toThrow(InternalError);
    await expect(attempt).rejects.toThrow(
      /VMSS instance "02aab8a4-74ef-476e-8182-f6d2ba4166a6" not found in scale set other-vmss/,
    );
  });

  it('refuses a scale set the subscription does not have', async () => {
    world.imds.vmScaleSetName = 'ghost-vmss';
    world.imds.vm.scaleSet = undefined;
    await expect(attestOnce(world, {}, TENANT)).rejects.toThrow(
      /VMSS "ghost-vmss" not found in subscription/,
    );
  });

  it.each([
    ['a malformed name', '../x', InvalidArgumentError, /invalid VMSS name "..\/x"/],
    ['a non-string name', 42, InvalidArgumentError, /metadata.vmssName must be a string or null/],
  ])('refuses %s from the agent', async (_what, vmssName, type, reason) => {
    const a = await agent(world);
    const s = await server(world, {}, TENANT);
    const attempt = s.attest(await a.payload(), async (nonce) => {
      const response = JSON.parse((await a.respondToChallenge!(nonce)).toString()) as {
        metadata: Record<string, unknown>;
      };
      response.metadata = { agentDomain: DOMAIN, vmssName };
      return Buffer.from(JSON.stringify(response));
    });
    await expect(attempt).rejects.toThrow(type);
    await expect(attempt).rejects.toThrow(reason);
  });
});
