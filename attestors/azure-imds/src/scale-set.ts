import type { VirtualMachineScaleSetVM } from '@azure/arm-compute';
import type { ArmClient, NicFacts } from '@lanyard/attestor-azure-msi/server';
import { nicFacts, parseResourceId } from '@lanyard/attestor-azure-msi/server';
import { InternalError, InvalidArgumentError } from '@lanyard/base';
import { findInPages } from './arm-list';
import { AZURE_IMDS_PLUGIN_NAME } from './shared';

const P = AZURE_IMDS_PLUGIN_NAME;

/** Azure scale set names: 1–64 letters, digits, `_`, `.` and `-`, starting with a letter or digit. */
const VMSS_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** What the selectors need of a VM, standalone or in a scale set. */
export interface VmFacts {
  readonly name: string;
  readonly location: string;
  readonly resourceGroup: string;
  readonly tags: Record<string, string>;
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
  const compute = client.compute(subscriptionId);
  const scaleSet = await client.call('list virtual machine scale sets', () =>
    findInPages(compute.virtualMachineScaleSets.listAll(), (ss) => ss.name === vmssName),
  );
  const parts = parseResourceId('vmss', scaleSet?.id ?? '');
  if (!scaleSet || !parts) throw notFound(`VMSS "${vmssName}" not found in subscription ${subscriptionId}`);
  const resourceGroup = parts[1];
  const instance = await client.call('list virtual machine scale set VMs', () =>
    findInPages(compute.virtualMachineScaleSetVMs.list(resourceGroup, vmssName), (vm) => vm.vmId === vmId),
  );
  if (!instance) throw notFound(`VMSS instance "${vmId}" not found in scale set ${vmssName}`);
  return {
    name: instance.name ?? '',
    location: instance.location || scaleSet.location,
    resourceGroup,
    tags: instance.tags ?? {},
    nics: nicConfigurations(instance),
  };
}

/** The NICs of a Uniform scale-set VM: its network interface configurations carry the NSG and subnet IDs inline. */
function nicConfigurations(instance: VirtualMachineScaleSetVM): NicFacts[] {
  return (instance.networkProfileConfiguration?.networkInterfaceConfigurations ?? []).map((config) =>
    nicFacts(config, P),
  );
}

function notFound(reason: string): InternalError {
  return new InternalError(`${P}: ${reason}`, 'ERR_AZURE_ARM');
}
