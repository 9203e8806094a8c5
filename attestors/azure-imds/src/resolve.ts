import type { Selector } from '@lanyard/attestor-core';
import { type ArmClient, nicIdsOf, parseResourceId, readNics } from '@lanyard/attestor-azure-msi/server';
import { InternalError } from '@lanyard/base';
import { findInPages } from './arm-list';
import { type VmFacts, findScaleSetInstance } from './scale-set';
import type { ImdsTenantConfig } from './server-config';
import { AZURE_IMDS_PLUGIN_NAME, imdsSelector } from './shared';

const P = AZURE_IMDS_PLUGIN_NAME;

/**
 * Finds the VM with `vmId` through ARM — in the scale set `vmssName` when the agent names one, else among the
 * subscription's VMs — and returns SPIRE's azure_imds selectors: `vmss-name` (scale-set instances), `vm-name`,
 * `vm-location`, `resource-group`, `vm-tag:<k>:<v>` for allowed tags, `network-security-group:<rg>:<nsg>`,
 * `virtual-network:<vnet>`, `virtual-network-subnet:<vnet>:<subnet>`.
 * @throws InternalError when no VM has that ID.
 */
export async function resolveVmSelectors(
  client: ArmClient,
  tenant: ImdsTenantConfig,
  subscriptionId: string,
  vmId: string,
  vmssName: string | null,
): Promise<Selector[]> {
  const vm =
    vmssName === null
      ? await findVm(client, subscriptionId, vmId)
      : await findScaleSetInstance(client, subscriptionId, vmssName, vmId);
  const selectors = [
    imdsSelector('vm-name', vm.name),
    imdsSelector('vm-location', vm.location),
    imdsSelector('resource-group', vm.resourceGroup),
  ];
  if (vmssName !== null) selectors.push(imdsSelector('vmss-name', vmssName));
  for (const key of tenant.allowedVmTags) {
    if (typeof vm.tags[key] === 'string') selectors.push(imdsSelector('vm-tag', key, vm.tags[key]));
  }
  for (const nic of vm.nics) {
    if (nic.securityGroup)
      selectors.push(
        imdsSelector('network-security-group', nic.securityGroup.resourceGroup, nic.securityGroup.name),
      );
    for (const s of nic.subnets) {
      selectors.push(imdsSelector('virtual-network', s.virtualNetwork));
      selectors.push(imdsSelector('virtual-network-subnet', s.virtualNetwork, s.name));
    }
  }
  return selectors;
}

async function findVm(client: ArmClient, subscriptionId: string, vmId: string): Promise<VmFacts> {
  const vm = await client.call('list virtual machines', () =>
    findInPages(
      client.compute(subscriptionId).virtualMachines.listAll(),
      (resource) => resource.vmId === vmId,
    ),
  );
  if (!vm)
    throw new InternalError(
      `${P}: virtual machine "${vmId}" not found in subscription ${subscriptionId}`,
      'ERR_AZURE_ARM',
    );
  const parts = parseResourceId('vm', vm.id ?? '');
  if (!parts)
    throw new InternalError(`${P}: malformed virtual machine ID "${String(vm.id)}"`, 'ERR_AZURE_ARM');
  return {
    name: vm.name ?? parts[2],
    location: vm.location,
    resourceGroup: parts[1],
    tags: vm.tags ?? {},
    nics: await readNics(client, parts[0], nicIdsOf(vm), P),
  };
}
