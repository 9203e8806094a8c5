/**
 * A catalog of the built-in plugins of one type: lookup by the name written in `plugins {}`, and loading of the
 * configured blocks with SPIRE's rules (distinct names, disabled blocks skipped, unknown names and wrong counts
 * rejected).
 */
import { InternalError } from '@lanyard/base';
import { cardinalityViolation, type Cardinality } from './cardinality';
import { DuplicatePluginError, PluginConstraintError, UnknownPluginError } from './errors';
import {
  AGENT_PLUGIN_CARDINALITY,
  SERVER_PLUGIN_CARDINALITY,
  type AgentPluginType,
  type PluginType,
  type ServerPluginType,
} from './plugin-types';

/** What a catalog holds: anything with the plugin's config name. */
export interface NamedPlugin {
  /** The name in `<Type> "<name>" { … }`. */
  readonly name: string;
}

/** One configured block as the catalog loads it; `enabled: false` skips it (SPIRE's default is enabled). */
export interface PluginBlockRef {
  readonly name: string;
  readonly enabled?: boolean;
}

/** The built-in plugins of one type, by name. */
export class PluginCatalog<T extends NamedPlugin> {
  private readonly plugins: ReadonlyMap<string, T>;

  /**
   * @param type - the plugin type, e.g. `NodeAttestor`.
   * @param cardinality - how many enabled plugins of this type a process accepts.
   * @param builtIns - one entry per built-in plugin.
   * @throws InternalError when two built-ins share a name.
   */
  constructor(
    readonly type: PluginType,
    readonly cardinality: Cardinality,
    builtIns: readonly T[],
  ) {
    const plugins = new Map<string, T>();
    for (const plugin of builtIns) {
      if (plugins.has(plugin.name)) {
        throw new InternalError(`built-in ${type} plugin "${plugin.name}" is registered twice`);
      }
      plugins.set(plugin.name, plugin);
    }
    this.plugins = plugins;
  }

  /** Names of the built-in plugins, sorted. */
  names(): string[] {
    return [...this.plugins.keys()].sort();
  }

  /** A catalog of the same type and cardinality that also holds `more` (tests register fakes this way). */
  extend(more: readonly T[]): PluginCatalog<T> {
    return new PluginCatalog(this.type, this.cardinality, [...this.plugins.values(), ...more]);
  }

  /** The built-in plugin called `name`, if there is one. */
  find(name: string): T | undefined {
    return this.plugins.get(name);
  }

  /**
   * The built-in plugin called `name`.
   * @throws UnknownPluginError when there is none.
   */
  get(name: string): T {
    const plugin = this.plugins.get(name);
    if (plugin === undefined) throw new UnknownPluginError(this.type, name, this.names());
    return plugin;
  }

  /**
   * Checks that `count` enabled plugins satisfy this type's cardinality.
   * @throws PluginConstraintError otherwise.
   */
  checkCount(count: number): void {
    const violation = cardinalityViolation(this.cardinality, count);
    if (violation !== undefined) throw new PluginConstraintError(this.type, violation);
  }

  /**
   * Builds every enabled block with `create`, in order, keyed by plugin name.
   * @throws DuplicatePluginError, UnknownPluginError, PluginConstraintError, or whatever `create` throws
   *   (a plugin's InvalidArgument error for bad `plugin_data`).
   */
  async load<B extends PluginBlockRef, I>(
    blocks: readonly B[],
    create: (plugin: T, block: B) => Promise<I>,
  ): Promise<Map<string, I>> {
    const seen = new Set<string>();
    const enabled: [T, B][] = [];
    for (const block of blocks) {
      if (seen.has(block.name)) throw new DuplicatePluginError(this.type, block.name);
      seen.add(block.name);
      if (block.enabled !== false) enabled.push([this.get(block.name), block]);
    }
    this.checkCount(enabled.length);
    const loaded = new Map<string, I>();
    for (const [plugin, block] of enabled) loaded.set(block.name, await create(plugin, block));
    return loaded;
  }
}

/** A catalog of server plugins of `type`, with the server's cardinality for it. */
export function serverCatalog<T extends NamedPlugin>(
  type: ServerPluginType,
  builtIns: readonly T[],
): PluginCatalog<T> {
  return new PluginCatalog(type, SERVER_PLUGIN_CARDINALITY[type], builtIns);
}

/** A catalog of agent plugins of `type`, with the agent's cardinality for it. */
export function agentCatalog<T extends NamedPlugin>(
  type: AgentPluginType,
  builtIns: readonly T[],
): PluginCatalog<T> {
  return new PluginCatalog(type, AGENT_PLUGIN_CARDINALITY[type], builtIns);
}
