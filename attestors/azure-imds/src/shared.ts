import type { Selector } from '@lanyard/attestor-core';

/** Plugin name as SPIRE spells it. */
export const AZURE_IMDS_PLUGIN_NAME = 'azure_imds';

/** SPIRE's default agent path: `/azure_imds/<tenant id>/<subscription id>/<vm id>`. */
export const AZURE_IMDS_DEFAULT_PATH_TEMPLATE =
  '/{{ .PluginName }}/{{ .TenantID }}/{{ .SubscriptionID }}/{{ .VMID }}';

/** The first payload the agent sends, only to open the challenge (SPIRE's agent sends these bytes too). */
export const AZURE_IMDS_INITIAL_PAYLOAD = 'non_empty_payload';

/** IMDS API version SPIRE uses for the attested document and compute metadata. */
export const AZURE_IMDS_API_VERSION = '2025-04-07';

/** Challenge responses larger than this are refused before parsing. */
export const AZURE_IMDS_MAX_RESPONSE_BYTES = 64 * 1024;

/** Nonce length sent as the challenge (alphanumeric, as SPIRE). */
export const AZURE_IMDS_NONCE_LENGTH = 32;

/** The attested document as IMDS returns it: `encoding` (`pkcs7`) and the base64 SignedData. */
export interface AttestedDocument {
  encoding: string;
  signature: string;
}

/** What the agent says about itself; not signed, so only used to pick the tenant (and scale set). */
export interface AgentUntrustedMetadata {
  agentDomain: string;
  vmssName: string | null;
}

/** The challenge response with SPIRE's field names. */
export interface ImdsAttestationPayload {
  document: AttestedDocument;
  metadata: AgentUntrustedMetadata;
}

/** The signed content of an attested document (the fields azure_imds uses). */
export interface AttestedDocumentContent {
  readonly nonce: string;
  readonly vmId: string;
  readonly subscriptionId: string;
  /** Expiry of the document (ms since epoch), from `timeStamp.expiresOn`, when present. */
  readonly expiresAt?: number;
}

/** Builds an `azure_imds` selector from parts joined with `:`. */
export function imdsSelector(...parts: string[]): Selector {
  return { type: AZURE_IMDS_PLUGIN_NAME, value: parts.join(':') };
}
