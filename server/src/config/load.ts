/**
 * Loads the server config file: parse (HCL or JSON, optional `-expandEnv`), decode against the schema
 * (unknown keys, wrong types, missing required keys: all reported at once), map with SPIRE's defaults,
 * validate.
 */
import {
  ConfigError,
  assertDecoded,
  decodeConfig,
  healthChecksConfig,
  parseConfigText,
  readConfigFile,
  telemetryConfig,
  telemetryIssues,
  unsupportedSinkWarnings,
  type ConfigIssue,
  type Environment,
  type ParsedConfig,
} from '@lanyard/common';
import { mapFederation } from './federation-section';
import { mapManagedWorkloads } from './managed-section';
import { mapPlugins } from './plugins';
import { serverFileSchema } from './schema';
import { mapServerSection } from './server-section';
import { refusedServerKeys, serverInertKeyWarnings } from './unenforced-keys';
import type { LoadedServerConfig, ServerConfig } from './types';
import { validateServerConfig } from './validate';

/** Options for {@link loadServerConfig} and {@link parseServerConfig}. */
export interface LoadServerConfigOptions {
  /** Expand `$VAR` / `${VAR}` in the file before parsing (`-expandEnv`). */
  expandEnv?: boolean;
  /** Variables for expansion; `process.env` by default. */
  env?: Environment;
  /** Force a syntax; by default `.json` files and text starting with `{` are JSON, the rest HCL. */
  format?: 'hcl' | 'json';
}

/** The default config path, relative to the working directory (as SPIRE). */
export const DEFAULT_SERVER_CONFIG_PATH = 'conf/server/server.conf';

/** Builds a {@link ServerConfig} from a parsed file; throws {@link ConfigError} listing every problem. */
export function serverConfigFromParsed(parsed: ParsedConfig): LoadedServerConfig {
  const file = assertDecoded(decodeConfig(parsed, serverFileSchema));
  const warnings: string[] = [];
  const sectionIssues: ConfigIssue[] = [];
  const server = mapServerSection(file.server ?? {}, warnings, sectionIssues);
  const fed = mapFederation(file.server?.federation, parsed.positions, warnings);
  server.federation = fed.federation;
  const managed = mapManagedWorkloads(file.server?.managed_workloads, parsed.positions);
  server.managedWorkloads = managed.managed;
  const issues = [
    ...refusedServerKeys(file, parsed.positions),
    ...sectionIssues,
    ...fed.issues,
    ...telemetryIssues(file.telemetry, parsed.positions),
    ...managed.issues,
  ];
  const plugins = mapPlugins(file.plugins ?? {}, issues, parsed.positions);
  if (issues.length > 0) throw new ConfigError(issues);
  warnings.push(...serverInertKeyWarnings(file));
  warnings.push(...unsupportedSinkWarnings(file.telemetry));
  const config: ServerConfig = {
    server,
    plugins,
    healthChecks: healthChecksConfig(file.health_checks),
    telemetry: telemetryConfig(file.telemetry, 'spire_server'),
    source: { filename: parsed.filename, positions: parsed.positions },
  };
  warnings.push(...validateServerConfig(config));
  return { config, warnings };
}

/** Parses and validates server config text (HCL or JSON). */
export function parseServerConfig(text: string, options: LoadServerConfigOptions = {}): LoadedServerConfig {
  return serverConfigFromParsed(parseConfigText(text, options));
}

/**
 * Reads, parses and validates a server config file. Errors carry SPIRE's messages
 * (`could not find config file ...`, `trust_domain must be configured`, `unknown configuration detected ...`).
 */
export function loadServerConfig(
  path: string = DEFAULT_SERVER_CONFIG_PATH,
  options: LoadServerConfigOptions = {},
): LoadedServerConfig {
  return serverConfigFromParsed(readConfigFile(path, options));
}
