import type { NodeAttestorAgent, NodeAttestorAgentPlugin, PluginData } from '@lanyard/attestor-core';
import { fetchMetadata } from '@lanyard/attestor-core';
import { PermissionDeniedError, UnavailableError } from '@lanyard/base';
import { type GcpIitAgentConfig, parseAgentConfig } from './config';
import { GCP_IIT_AUDIENCE, GCP_IIT_PLUGIN_NAME } from './shared';

/**
 * Agent half of `gcp_iit`: asks the GCE metadata server for a `format=full` identity token with audience
 * `spire-gcp-node-attestor` and sends the compact JWT as the payload.
 */
export class GcpIitAgentAttestor implements NodeAttestorAgent {
  readonly name = GCP_IIT_PLUGIN_NAME;

  constructor(private readonly config: GcpIitAgentConfig) {}

  /** The identity token (compact JWT) as UTF-8 bytes. */
  async payload(): Promise<Buffer> {
    const query = new URLSearchParams({ audience: GCP_IIT_AUDIENCE, format: 'full' });
    const account = encodeURIComponent(this.config.serviceAccount);
    const url = `http://${this.config.identityTokenHost}/computeMetadata/v1/instance/service-accounts/${account}/identity?${query}`;
    const res = await fetchMetadata(
      url,
      { method: 'GET', headers: { 'Metadata-Flavor': 'Google' } },
      { what: 'gcp_iit: identity token', timeoutMs: this.config.timeoutMs, attempts: this.config.attempts },
    );
    if (res.status === 403 || res.status === 404) {
      throw new PermissionDeniedError(
        `gcp_iit: metadata server refused the identity token for service account "${this.config.serviceAccount}" (HTTP ${res.status})`,
        'ERR_GCP_METADATA',
      );
    }
    if (res.status !== 200 || res.body.split('.').length !== 3) {
      throw new UnavailableError(
        `gcp_iit: metadata server answered HTTP ${res.status} without an identity token`,
        'ERR_GCP_METADATA',
      );
    }
    return Buffer.from(res.body.trim(), 'utf8');
  }
}

/** Catalog registration of the agent half. */
export const agentPlugin: NodeAttestorAgentPlugin = {
  name: GCP_IIT_PLUGIN_NAME,
  async create(pluginData: PluginData): Promise<NodeAttestorAgent> {
    return new GcpIitAgentAttestor(parseAgentConfig(pluginData));
  },
};

/* This file is the package's `./agent` entry: the agent half and the shared names, never the server half. */
export * from './shared';
