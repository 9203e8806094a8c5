/**
 * The catalog's errors, worded as SPIRE's catalog words them. They are configuration mistakes, so every one is
 * an InvalidArgument error, on the server and on the agent alike.
 */
import { InvalidArgumentError } from '@lanyard/base';

/** SPIRE's message for a plugin name no built-in plugin of that type has. */
export function unknownPluginMessage(type: string, name: string): string {
  return `no built-in plugin "${name}" for type "${type}"`;
}

/** SPIRE's message for a plugin type whose count breaks its cardinality. */
export function constraintMessage(type: string, violation: string): string {
  return `plugin type "${type}" constraint not satisfied: ${violation}`;
}

/** A configured plugin name that no built-in plugin of its type has (`no built-in plugin "x" for type "…"`). */
export class UnknownPluginError extends InvalidArgumentError {
  /** Names the catalog does know for this type, sorted. */
  readonly known: readonly string[];

  constructor(
    readonly pluginType: string,
    readonly pluginName: string,
    known: readonly string[],
  ) {
    super(unknownPluginMessage(pluginType, pluginName), 'ERR_UNKNOWN_PLUGIN');
    this.known = known;
  }
}

/** The number of enabled plugins of one type breaks the type's cardinality. */
export class PluginConstraintError extends InvalidArgumentError {
  constructor(
    readonly pluginType: string,
    violation: string,
  ) {
    super(constraintMessage(pluginType, violation), 'ERR_PLUGIN_CONSTRAINT');
  }
}

/** Two blocks configure the same plugin. */
export class DuplicatePluginError extends InvalidArgumentError {
  constructor(
    readonly pluginType: string,
    readonly pluginName: string,
  ) {
    super(`${pluginType} "${pluginName}" is configured more than once`, 'ERR_DUPLICATE_PLUGIN');
  }
}
