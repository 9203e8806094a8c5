import type {
  NodeAttestorServer,
  NodeAttestorServerPlugin,
  PluginData,
  ServerAttestorDeps,
} from '@lanyard/attestor-core';
import * as awsIid from '@lanyard/attestor-aws-iid';
import * as azureImds from '@lanyard/attestor-azure-imds';
import * as azureMsi from '@lanyard/attestor-azure-msi';
import * as gcpIit from '@lanyard/attestor-gcp-iit';
import { serverPlugin as joinTokenPlugin } from '@lanyard/attestor-join-token';
import * as k8sPsat from '@lanyard/attestor-k8s-psat';
import { InvalidArgumentError } from '@lanyard/base';

/** One `NodeAttestor "<name>" { plugin_data { … } }` block. */
export interface NodeAttestorConfig {
  name: string;
  pluginData: PluginData;
  /** `enabled = false` skips the plugin (SPIRE); default true. */
  enabled?: boolean;
}

/** The server node attestor plugins Lanyard knows, by name. */
export function builtinServerPlugins(): Map<string, NodeAttestorServerPlugin> {
  const plugins = [
    joinTokenPlugin,
    awsIid.serverPlugin,
    gcpIit.serverPlugin,
    azureMsi.serverPlugin,
    azureImds.serverPlugin,
    k8sPsat.serverPlugin,
  ];
  return new Map(plugins.map((p) => [p.name, p]));
}

/**
 * The configured server node attestors, by `AttestationData.type`. `join_token` is always available (SPIRE
 * handles join tokens without configuration); other plugins only when configured.
 */
export class NodeAttestorCatalog {
  private constructor(private readonly attestors: Map<string, NodeAttestorServer>) {}

  /**
   * Builds every configured (and enabled) plugin. Unknown names and duplicate blocks are InvalidArgument errors.
   */
  static async create(
    configs: readonly NodeAttestorConfig[],
    deps: ServerAttestorDeps,
    plugins: Map<string, NodeAttestorServerPlugin> = builtinServerPlugins(),
  ): Promise<NodeAttestorCatalog> {
    const attestors = new Map<string, NodeAttestorServer>();
    const seen = new Set<string>();
    for (const config of configs) {
      if (seen.has(config.name)) {
        throw new InvalidArgumentError(
          `NodeAttestor "${config.name}" is configured more than once`,
          'ERR_CATALOG',
        );
      }
      seen.add(config.name);
      if (config.enabled === false) continue;
      const plugin = plugins.get(config.name);
      if (plugin === undefined) {
        throw new InvalidArgumentError(
          `unknown NodeAttestor plugin "${config.name}" (known: ${[...plugins.keys()].sort().join(', ')})`,
          'ERR_CATALOG',
        );
      }
      attestors.set(config.name, await plugin.create(config.pluginData, deps));
    }
    if (!attestors.has(joinTokenPlugin.name) && !seen.has(joinTokenPlugin.name)) {
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
