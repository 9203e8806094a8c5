import { InvalidArgumentError } from '@lanyard/base';

/** Throws the standard config error `<plugin>: plugin_data.<key> <problem>`. */
export function fail(plugin: string, key: string, problem: string): never {
  throw new InvalidArgumentError(`${plugin}: plugin_data.${key} ${problem}`, 'ERR_PLUGIN_CONFIG');
}
