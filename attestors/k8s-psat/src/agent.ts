import { readFile } from 'node:fs/promises';
import type {
  AgentAttestorDeps,
  NodeAttestorAgent,
  NodeAttestorAgentPlugin,
  PluginData,
} from '@lanyard/attestor-core';
import { FailedPreconditionError } from '@lanyard/base';
import { type K8sPsatAgentConfig, parseAgentConfig } from './config';
import { K8S_PSAT_PLUGIN_NAME, encodePsatPayload } from './shared';

/**
 * Agent half of `k8s_psat`: reads the projected service-account token (re-read on every attestation, since the
 * kubelet rotates it) and sends `{ cluster, token }`.
 */
export class K8sPsatAgentAttestor implements NodeAttestorAgent {
  readonly name = K8S_PSAT_PLUGIN_NAME;

  constructor(private readonly config: K8sPsatAgentConfig) {}

  /**
   * @throws FailedPreconditionError naming the token path when the token cannot be read or is empty.
   */
  async payload(): Promise<Buffer> {
    let token: string;
    try {
      token = (await readFile(this.config.tokenPath, 'utf8')).trim();
    } catch (error) {
      throw new FailedPreconditionError(
        `k8s_psat: unable to load token from "${this.config.tokenPath}": ${(error as Error).message}`,
        'ERR_K8S_PSAT_TOKEN',
      );
    }
    if (token === '') {
      throw new FailedPreconditionError(
        `k8s_psat: token file "${this.config.tokenPath}" is empty`,
        'ERR_K8S_PSAT_TOKEN',
      );
    }
    return encodePsatPayload({ cluster: this.config.cluster, token });
  }
}

/** Catalog registration of the agent half. */
export const agentPlugin: NodeAttestorAgentPlugin = {
  name: K8S_PSAT_PLUGIN_NAME,
  async create(pluginData: PluginData, _deps: AgentAttestorDeps): Promise<NodeAttestorAgent> {
    return new K8sPsatAgentAttestor(parseAgentConfig(pluginData));
  },
};

/* This file is the package's `./agent` entry: the agent half and the shared names, never the server half. */
export * from './shared';
