import type { VirtualMachine } from '@azure/arm-compute';
import { InternalError } from '@lanyard/base';
import type { ArmClient } from './arm';
import { parseResourceId } from './shared';

/** What the Azure attestors read from a NIC: its NSG and the subnets of its IP configurations. */
export interface NicFacts {
  readonly securityGroup?: { resourceGroup: string; name: string };
  readonly subnets: { resourceGroup: string; virtualNetwork: string; name: string }[];
}

/** The NIC resource IDs of a VM's network profile. */
export function nicIdsOf(vm: VirtualMachine): string[] {
  return (vm.networkProfile?.networkInterfaces ?? [])
    .map((n) => n.id)
    .filter((id): id is string => typeof id === 'string');
}

/** The IDs a NIC or a scale-set NIC configuration refers to. */
export interface NicReferences {
  readonly networkSecurityGroup?: { id?: string };
  readonly ipConfigurations?: readonly { subnet?: { id?: string } }[];
}

/**
 * Reads each NIC of a VM in `subscriptionId` through the ARM network client and returns its NSG and subnets.
 * @throws InternalError naming a malformed resource ID or the failed read.
 */
export async function readNics(
  client: ArmClient,
  subscriptionId: string,
  nicIds: string[],
  plugin: string,
): Promise<NicFacts[]> {
  const facts: NicFacts[] = [];
  for (const id of nicIds) {
    const parts = parseResourceId('nic', id);
    if (!parts) throw malformed(plugin, 'network interface', id);
    const [resourceGroup, name] = parts;
    const nic = await client.call('get network interface', () =>
      client.network(subscriptionId).networkInterfaces.get(resourceGroup, name),
    );
    facts.push(nicFacts(nic, plugin));
  }
  return facts;
}

/**
 * The NSG and subnets a NIC (or a scale-set VM's NIC configuration, which carries the same references) points at.
 * @throws InternalError naming a malformed resource ID.
 */
export function nicFacts(nic: NicReferences, plugin: string): NicFacts {
  let securityGroup: NicFacts['securityGroup'];
  const nsgId = nic.networkSecurityGroup?.id;
  if (nsgId) {
    const nsg = parseResourceId('nsg', nsgId);
    if (!nsg) throw malformed(plugin, 'network security group', nsgId);
    securityGroup = { resourceGroup: nsg[0], name: nsg[1] };
  }
  const subnets: NicFacts['subnets'] = [];
  for (const ipc of nic.ipConfigurations ?? []) {
    const subnetId = ipc.subnet?.id;
    if (!subnetId) continue;
    const subnet = parseResourceId('subnet', subnetId);
    if (!subnet) throw malformed(plugin, 'virtual network subnet', subnetId);
    subnets.push({ resourceGroup: subnet[0], virtualNetwork: subnet[1], name: subnet[2] });
  }
  return { securityGroup, subnets };
}

function malformed(plugin: string, what: string, id: string): InternalError {
  return new InternalError(`${plugin}: malformed ${what} ID "${id}"`, 'ERR_AZURE_ARM');
}
