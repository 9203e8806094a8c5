import type { Selector } from '@lanyard/attestor-core';

/** Plugin name as SPIRE spells it. */
export const AZURE_MSI_PLUGIN_NAME = 'azure_msi';

/** SPIRE's default agent path: `/azure_msi/<tenant id>/<principal id>`. */
export const AZURE_MSI_DEFAULT_PATH_TEMPLATE = '/{{ .PluginName }}/{{ .TenantID }}/{{ .PrincipalID }}';

/** Default resource (audience) of the MSI token. */
export const AZURE_DEFAULT_RESOURCE_ID = 'https://management.azure.com/';

/** Payloads larger than this are refused before parsing. */
export const AZURE_MSI_MAX_PAYLOAD_BYTES = 64 * 1024;

/** The attestation payload with SPIRE's field name: `{ "token": "<MSI access token>" }`. */
export interface MsiAttestationData {
  token: string;
}

/** Builds an `azure_msi` selector from parts joined with `:`. */
export function msiSelector(...parts: string[]): Selector {
  return { type: AZURE_MSI_PLUGIN_NAME, value: parts.join(':') };
}

const RESOURCE_ID = {
  vm: /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachines\/([^/]+)$/i,
  vmss: /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachineScaleSets\/([^/]+)$/i,
  nic: /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/networkInterfaces\/([^/]+)$/i,
  nsg: /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/networkSecurityGroups\/([^/]+)$/i,
  subnet:
    /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/virtualNetworks\/([^/]+)\/subnets\/([^/]+)$/i,
} as const;

/** Which kind of ARM resource ID to parse. */
export type ResourceKind = keyof typeof RESOURCE_ID;

/**
 * Splits an ARM resource ID into its captured parts (`vm`/`vmss` → subscription, group, name; `nic`/`nsg` → group, name;
 * `subnet` → group, vnet, subnet). Returns `undefined` when the ID is not of that kind.
 */
export function parseResourceId(kind: ResourceKind, id: string): string[] | undefined {
  return RESOURCE_ID[kind].exec(id)?.slice(1);
}
