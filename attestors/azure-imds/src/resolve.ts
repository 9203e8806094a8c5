import type { Selector } from '@lanyard/attestor-core';
import {
  ARM_API,
  type ArmClient,
  nicIdsOf,
  parseResourceId,
  readNics,
} from '@lanyard/attestor-azure-msi/server';
import { InternalError } from '@lanyard/base';
import type { ImdsTenantConfig } from './server-config';
import { AZURE_IMDS_PLUGIN_NAME, imdsSelector } from './shared';

const P = AZURE_IMDS_PLUGIN_NAME;
const MAX_PAGES = 50;

/**
 * Finds the VM with `vmId` in the subscription through ARM (listing `Microsoft.Compute/virtualMachines`, following
 * `nextLink`) and returns SPIRE's azure_imds selectors: `vm-name`, `vm-location`, `resource-group`, `vm-tag:<k>:<v>`
 * for allowed tags, `network-security-group:<rg>:<nsg>`, `virtual-network:<vnet>`, `virtual-network-subnet:<vnet>:<subnet>`.
 * @throws InternalError when no VM has that ID.
 */
export async function resolveVmSelectors(
  client: ArmClient,
  tenant: ImdsTenantConfig,
  subscriptionId: string,
  vmId: string,
): Promise<Selector[]> {
  const vm = await findVm(client, subscriptionId, vmId);
  const parts = parseResourceId('vm', String(vm.id ?? ''));
  if (!parts)
    throw new InternalError(`${P}: malformed virtual machine ID "${String(vm.id)}"`, 'ERR_AZURE_ARM');
  const selectors = [
    imdsSelector('vm-name', String(vm.name ?? parts[2])),
    imdsSelector('vm-location', String(vm.location ?? '')),
    imdsSelector('resource-group', parts[1]),
  ];
  const tags = (vm.tags ?? {}) as Record<string, unknown>;
  for (const key of tenant.allowedVmTags) {
    if (typeof tags[key] === 'string') selectors.push(imdsSelector('vm-tag', key, tags[key] as string));
  }
  for (const nic of await readNics(client, nicIdsOf(vm), P)) {
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

async function findVm(
  client: ArmClient,
  subscriptionId: string,
  vmId: string,
): Promise<Record<string, unknown>> {
  let page = await client.get(
    `/subscriptions/${encodeURIComponent(subscriptionId)}/providers/Microsoft.Compute/virtualMachines`,
    ARM_API.compute,
  );
  for (let i = 0; i < MAX_PAGES; i++) {
    const vms = Array.isArray(page.value) ? (page.value as Record<string, unknown>[]) : [];
    const hit = vms.find((vm) => (vm.properties as { vmId?: unknown } | undefined)?.vmId === vmId);
    if (hit) return hit;
    if (typeof page.nextLink !== 'string') break;
    const next = new URL(page.nextLink);
    page = await client.get(
      next.pathname,
      next.searchParams.get('api-version') ?? ARM_API.compute,
      Object.fromEntries([...next.searchParams].filter(([k]) => k !== 'api-version')),
    );
  }
  throw new InternalError(
    `${P}: virtual machine "${vmId}" not found in subscription ${subscriptionId}`,
    'ERR_AZURE_ARM',
  );
}
