import type { Selector } from '@lanyard/attestor-core';

/** Plugin name as SPIRE spells it. */
export const GCP_IIT_PLUGIN_NAME = 'gcp_iit';

/** The audience SPIRE's agents request and its servers require. */
export const GCP_IIT_AUDIENCE = 'spire-gcp-node-attestor';

/** SPIRE's default agent path: `/gcp_iit/<project id>/<instance id>`. */
export const GCP_IIT_DEFAULT_PATH_TEMPLATE = '/{{ .PluginName }}/{{ .ProjectID }}/{{ .InstanceID }}';

/** Identity tokens larger than this are refused before parsing. */
export const GCP_IIT_MAX_TOKEN_BYTES = 16 * 1024;

/** The `google.compute_engine` claims of a `format=full` identity token. */
export interface ComputeEngineClaims {
  readonly projectId: string;
  readonly projectNumber: number;
  readonly zone: string;
  readonly instanceId: string;
  readonly instanceName: string;
  readonly instanceCreationTimestamp: number;
}

/** A verified identity token: the service account email and the instance claims. */
export interface GceIdentity {
  readonly email: string;
  readonly computeEngine: ComputeEngineClaims;
}

/** Builds a `gcp_iit` selector from its parts joined with `:`. */
export function gcpSelector(...parts: string[]): Selector {
  return { type: GCP_IIT_PLUGIN_NAME, value: parts.join(':') };
}
