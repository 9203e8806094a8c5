import type { Selector } from '@lanyard/attestor-core';
import { InternalError } from '@lanyard/base';
import type { ArmClient } from './arm';
import { nicIdsOf, readNics } from './network';
import { AZURE_MSI_PLUGIN_NAME, msiSelector, parseResourceId } from './shared';

const P = AZURE_MSI_PLUGIN_NAME;

/**
 * SPIRE's ARM lookup for azure_msi: finds the VM whose managed identity is `principalId` in the tenant's subscription,
 * then its NICs, and returns `subscription-id`, `vm-name:<rg>:<vm>`, `network-security-group:<rg>:<nsg>`,
 * `virtual-network:<rg>:<vnet>` and `virtual-network-subnet:<rg>:<vnet>:<subnet>` selectors.
 * @throws InternalError when the principal matches no VM or more than one.
 */
export async function resolveArmSelectors(
  client: ArmClient,
  subscriptionId: string,
  principalId: string,
): Promise<Selector[]> {
  const vmId = await findVmByPrincipal(client, subscriptionId, principalId);
  const parts = parseResourceId('vm', vmId);
  if (!parts) throw new InternalError(`${P}: malformed virtual machine ID "${vmId}"`, 'ERR_AZURE_ARM');
  const [vmSubscription, resourceGroup, name] = parts;
  const selectors = [
    msiSelector('subscription-id', subscriptionId),
    msiSelector('vm-name', resourceGroup, name),
  ];
  const vm = await client.call('get virtual machine', () =>
    client.compute(vmSubscription).virtualMachines.get(resourceGroup, name),
  );
  for (const nic of await readNics(client, vmSubscription, nicIdsOf(vm), P)) {
    if (nic.securityGroup)
      selectors.push(
        msiSelector('network-security-group', nic.securityGroup.resourceGroup, nic.securityGroup.name),
      );
    for (const s of nic.subnets) {
      selectors.push(msiSelector('virtual-network', s.resourceGroup, s.virtualNetwork));
      selectors.push(msiSelector('virtual-network-subnet', s.resourceGroup, s.virtualNetwork, s.name));
    }
  }
  return selectors;
}

/** Lists the subscription's VMs whose managed identity is `principalId` (every page) and returns the one ID. */
async function findVmByPrincipal(
  client: ArmClient,
  subscriptionId: string,
  principalId: string,
): Promise<string> {
  const filter = `resourceType eq 'Microsoft.Compute/virtualMachines' and identity/principalId eq '${principalId}'`;
  const ids = await client.call('list virtual machine by principal', async () => {
    const found: string[] = [];
    for await (const resource of client.resources(subscriptionId).resources.list({ filter }))
      found.push(resource.id ?? '');
    return found;
  });
  if (ids.length === 0)
    throw new InternalError(`${P}: principal "${principalId}" not found`, 'ERR_AZURE_ARM');
  if (ids.length > 1)
    throw new InternalError(
      `${P}: expected one result for principal "${principalId}" at most`,
      'ERR_AZURE_ARM',
    );
  return ids[0];
}
