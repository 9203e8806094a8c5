import { InternalError } from '@lanyard/base';
import type { ArmClient } from './arm';
import { parseResourceId } from './shared';

/** ARM API versions Lanyard calls. */
export const ARM_API = { resources: '2021-04-01', compute: '2024-07-01', network: '2024-05-01' } as const;

/** What the Azure attestors read from a NIC: its NSG and the subnets of its IP configurations. */
export interface NicFacts {
  readonly securityGroup?: { resourceGroup: string; name: string };
  readonly subnets: { resourceGroup: string; virtualNetwork: string; name: string }[];
}

/** The NIC resource IDs of a VM's `properties.networkProfile.networkInterfaces`. */
export function nicIdsOf(vm: Record<string, unknown>): string[] {
  const profile = (
    vm.properties as { networkProfile?: { networkInterfaces?: { id?: unknown }[] } } | undefined
  )?.networkProfile;
  return (profile?.networkInterfaces ?? [])
    .map((n) => n.id)
    .filter((id): id is string => typeof id === 'string');
}

/**
 * Reads each NIC from ARM and returns its NSG and subnets.
 * @throws InternalError naming a malformed resource ID.
 */
export async function readNics(client: ArmClient, nicIds: string[], plugin: string): Promise<NicFacts[]> {
  const facts: NicFacts[] = [];
  for (const id of nicIds) {
    if (!parseResourceId('nic', id)) throw malformed(plugin, 'network interface', id);
    const nic = await client.get(id, ARM_API.network);
    const props = (nic.properties ?? {}) as {
      networkSecurityGroup?: { id?: string };
      ipConfigurations?: { properties?: { subnet?: { id?: string } } }[];
    };
    let securityGroup: NicFacts['securityGroup'];
    if (props.networkSecurityGroup?.id) {
      const nsg = parseResourceId('nsg', props.networkSecurityGroup.id);
      if (!nsg) throw malformed(plugin, 'network security group', props.networkSecurityGroup.id);
      securityGroup = { resourceGroup: nsg[0], name: nsg[1] };
    }
    const subnets: NicFacts['subnets'] = [];
    for (const ipc of props.ipConfigurations ?? []) {
      const subnetId = ipc.properties?.subnet?.id;
      if (!subnetId) continue;
      const subnet = parseResourceId('subnet', subnetId);
      if (!subnet) throw malformed(plugin, 'virtual network subnet', subnetId);
      subnets.push({ resourceGroup: subnet[0], virtualNetwork: subnet[1], name: subnet[2] });
    }
    facts.push({ securityGroup, subnets });
  }
  return facts;
}

function malformed(plugin: string, what: string, id: string): InternalError {
  return new InternalError(`${plugin}: malformed ${what} ID "${id}"`, 'ERR_AZURE_ARM');
}
