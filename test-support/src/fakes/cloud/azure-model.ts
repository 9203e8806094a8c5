/** A network interface of a {@link FakeAzureVm}. */
export interface FakeAzureNic {
  name: string;
  resourceGroup: string;
  networkSecurityGroup?: { resourceGroup: string; name: string };
  subnets: { resourceGroup: string; virtualNetwork: string; name: string }[];
}

/** A virtual machine as the Azure fakes know it (IMDS, ARM and the MSI token all derive from it). */
export interface FakeAzureVm {
  tenantId: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  /** `vmId`, a UUID. */
  vmId: string;
  /** Object ID of the system-assigned managed identity. */
  principalId: string;
  tags: Record<string, string>;
  nics: FakeAzureNic[];
  /**
   * Set for an instance of a Uniform scale set: ARM lists it under the scale set (`…/virtualMachineScaleSets/
   * <name>/virtualMachines/<instanceId>`, named `<name>_<instanceId>`) instead of among the subscription's VMs.
   */
  scaleSet?: { name: string; instanceId: string };
}

/** A sample VM with one NIC in a VNet subnet behind an NSG. */
export function sampleAzureVm(): FakeAzureVm {
  return {
    tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    subscriptionId: 'd5b40d61-272e-48da-beb9-05f295c42bd6',
    resourceGroup: 'prod-rg',
    name: 'web-vm-1',
    location: 'eastus',
    vmId: '02aab8a4-74ef-476e-8182-f6d2ba4166a6',
    principalId: '9d2a4b7e-1111-4c3e-9a5b-0123456789ab',
    tags: { env: 'prod', team: 'payments' },
    nics: [
      {
        name: 'web-vm-1-nic',
        resourceGroup: 'prod-rg',
        networkSecurityGroup: { resourceGroup: 'net-rg', name: 'web-nsg' },
        subnets: [{ resourceGroup: 'net-rg', virtualNetwork: 'prod-vnet', name: 'web-subnet' }],
      },
    ],
  };
}

/** ARM resource ID of the VM (of the scale-set VM for a scale-set instance). */
export function vmResourceId(vm: FakeAzureVm): string {
  if (vm.scaleSet) return `${scaleSetResourceId(vm)}/virtualMachines/${vm.scaleSet.instanceId}`;
  return `/subscriptions/${vm.subscriptionId}/resourceGroups/${vm.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${vm.name}`;
}

/** ARM resource ID of the scale set of a scale-set instance. */
export function scaleSetResourceId(vm: FakeAzureVm): string {
  return `/subscriptions/${vm.subscriptionId}/resourceGroups/${vm.resourceGroup}/providers/Microsoft.Compute/virtualMachineScaleSets/${vm.scaleSet?.name ?? ''}`;
}

/** ARM resource ID of a NIC. */
export function nicResourceId(vm: FakeAzureVm, nic: FakeAzureNic): string {
  return `/subscriptions/${vm.subscriptionId}/resourceGroups/${nic.resourceGroup}/providers/Microsoft.Network/networkInterfaces/${nic.name}`;
}
