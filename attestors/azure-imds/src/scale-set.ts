import type { ArmClient, NicFacts } from '@lanyard/attestor-azure-msi/server';
import { parseResourceId } from '@lanyard/attestor-azure-msi/server';
import { InternalError, InvalidArgumentError } from '@lanyard/base';
import { type ArmResource, findInArmList, vmIdOf } from './arm-list';
import { AZURE_IMDS_PLUGIN_NAME } from './shared';

const P = AZURE_IMDS_PLUGIN_NAME;

/** Azure scale set names: 1–64 letters, digits, `_`, `.` and `-`, starting with a letter or digit. */
const VMSS_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** What the selectors need of a VM, standalone or in a scale set. */
export interface VmFacts {
  readonly name: string;
  readonly location: string;
  readonly resourceGroup: string;
  readonly tags: Record<string, unknown>;
  readonly nics: NicFacts[];
}

/**
 * Finds the instance with `vmId` in the scale set `vmssName` of the subscription, as SPIRE does for an agent
 * whose compute metadata names a scale set: the scale set by name (listing
 * `Microsoft.Compute/virtualMachineScaleSets`), then its VMs (`…/virtualMachines`) by `properties.vmId`. The
 * NICs come from the instance's `networkProfileConfiguration` (Uniform orchestration).
 * The name is the agent's unsigned claim; the instance is matched by the signed `vmId`, so a wrong name only fails.
 * @throws InvalidArgumentError for a malformed name; InternalError when the scale set or instance is not found.
 */
export async function findScaleSetInstance(
  client: ArmClient,
  subscriptionId: string,
  vmssName: string,
  vmId: string,
): Promise<VmFacts> {
  if (!VMSS_NAME.test(vmssName))
    throw new InvalidArgumentError(
      `${P}: invalid VMSS name ${JSON.stringify(vmssName)}`,
      'ERR_AZURE_IMDS_PAYLOAD',
    );
  const sub = `/subscriptions/${encodeURIComponent(subscriptionId)}`;
  const scaleSet = await findInArmList(
    client,
    `${sub}/providers/Microsoft.Compute/virtualMachineScaleSets`,
    (ss) => ss.name === vmssName,
  );
  const parts = parseResourceId('vmss', String(scaleSet?.id ?? ''));
  if (!scaleSet || !parts) throw notFound(`VMSS "${vmssName}" not found in subscription ${subscriptionId}`);
  const instance = await findInArmList(
    client,
    `${sub}/resourceGroups/${encodeURIComponent(parts[1])}/providers/Microsoft.Compute/virtualMachineScaleSets/${encodeURIComponent(vmssName)}/virtualMachines`,
    (vm) => vmIdOf(vm) === vmId,
  );
  if (!instance) throw notFound(`VMSS instance "${vmId}" not found in scale set ${vmssName}`);
  return {
    name: String(instance.name ?? ''),
    location: String(instance.location ?? scaleSet.location ?? ''),
    resourceGroup: parts[1],
    tags: (instance.tags ?? {}) as Record<string, unknown>,
    nics: nicConfigurations(instance),
  };
}

interface NicConfiguration {
  properties?: {
    networkSecurityGroup?: { id?: string };
    ipConfigurations?: { properties?: { subnet?: { id?: string } } }[];
  };
}

function nicConfigurations(instance: ArmResource): NicFacts[] {
  const props = instance.properties as
    { networkProfileConfiguration?: { networkInterfaceConfigurations?: NicConfiguration[] } } | undefined;
  return (props?.networkProfileConfiguration?.networkInterfaceConfigurations ?? []).map((config) => {
    const nsgId = config.properties?.networkSecurityGroup?.id;
    const nsg = nsgId === undefined ? undefined : parseResourceId('nsg', nsgId);
    if (nsgId !== undefined && !nsg) throw notFound(`malformed network security group ID "${nsgId}"`);
    const subnets: NicFacts['subnets'] = [];
    for (const ipc of config.properties?.ipConfigurations ?? []) {
      const subnetId = ipc.properties?.subnet?.id;
      if (!subnetId) continue;
      const subnet = parseResourceId('subnet', subnetId);
      if (!subnet) throw notFound(`malformed virtual network subnet ID "${subnetId}"`);
      subnets.push({ resourceGroup: subnet[0], virtualNetwork: subnet[1], name: subnet[2] });
    }
    return { securityGroup: nsg && { resourceGroup: nsg[0], name: nsg[1] }, subnets };
  });
}

function notFound(reason: string): InternalError {
  return new InternalError(`${P}: ${reason}`, 'ERR_AZURE_ARM');
}
