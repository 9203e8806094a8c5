import type {
  NodeAttestorServer,
  NodeAttestorServerPlugin,
  PluginData,
  ServerAttestorDeps,
} from '@lanyard/attestor-core';
import { serverPlugin as joinTokenPlugin } from '@lanyard/attestor-join-token/server';
import type { PluginCatalog } from '@lanyard/common';
import { SERVER_NODE_ATTESTORS } from './builtins';

/** One `NodeAttestor "<name>" { plugin_data { … } }` block. */
export interface NodeAttestorConfig {
  name: string;
  pluginData: PluginData;
  /** `enabled = false` skips the plugin (SPIRE); default true. */
  enabled?: boolean;
}

/**
 * The configured server node attestors, by `AttestationData.type`. `join_token` is always available (SPIRE
 * handles join tokens without configuration); other plugins only when configured.
 */
export class NodeAttestorCatalog {
  private constructor(private readonly attestors: Map<string, NodeAttestorServer>) {}

  /**
   * Builds every configured (and enabled) plugin through the generic catalog.
   * @throws UnknownPluginError, DuplicatePluginError (InvalidArgument), or a plugin's error for bad plugin_data.
   */
  static async create(
    configs: readonly NodeAttestorConfig[],
    deps: ServerAttestorDeps,
    plugins: PluginCatalog<NodeAttestorServerPlugin> = SERVER_NODE_ATTESTORS,
  ): Promise<NodeAttestorCatalog> {
    const attestors = await plugins.load(configs, (plugin, config) => plugin.create(config.pluginData, deps));
    if (!configs.some((config) => config.name === joinTokenPlugin.name)) {
      attestors.set(joinTokenPlugin.name, await joinTokenPlugin.create({}, deps));
    }
    return new NodeAttestorCatalog(attestors);
  }

  /** The attestor for an `AttestationData.type`, if configured. */
  get(type: string): NodeAttestorServer | undefined {
    return this.attestors.get(type);
  }

  /** Names of the configured attestors, sorted. */
  names(): string[] {
    return [...this.attestors.keys()].sort();
  }
}
