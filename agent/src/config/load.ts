/**
 * Loads the agent config file: parse (HCL or JSON, optional `-expandEnv`), decode against the schema (unknown
 * keys, wrong types), apply CLI flags (flag > file > default), map with SPIRE's defaults and validate. Every
 * problem is reported at once in one {@link ConfigError}.
 */
import * as path from 'node:path';
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
import { TrustDomain } from '@lanyard/spiffe';
import type { AgentFlagOverrides } from './flags';
import { mapAgentPlugins } from './plugins';
import { agentFileSchema } from './schema';
import { mapAgentSection } from './settings';
import { agentInertKeyWarnings, refusedAgentKeys } from './unenforced-keys';
import type { AgentConfig, AgentSettings, LoadedAgentConfig } from './types';

/** Options of {@link loadAgentConfig} and {@link parseAgentConfig}. */
export interface LoadAgentConfigOptions {
  /** Expand `$VAR` / `${VAR}` in the file before parsing (`-expandEnv`). */
  expandEnv?: boolean;
  /** Variables for expansion; `process.env` by default. */
  env?: Environment;
  /** Force a syntax; by default `.json` files and text starting with `{` are JSON, the rest HCL. */
  format?: 'hcl' | 'json';
  /** Command-line overrides. */
  flags?: AgentFlagOverrides;
}

/** The default config path, relative to the working directory (as SPIRE). */
export const DEFAULT_AGENT_CONFIG_PATH = 'conf/agent/agent.conf';

/** SPIRE's start-up warning when `default_bundle_name` equals `default_all_bundles_name`. */
export const SDS_SAME_NAMES_WARNING =
  'The "default_bundle_name" and "default_all_bundles_name" configurables have the same value. ' +
  '"default_all_bundles_name" will be ignored. Please configure distinct values or use the defaults. ' +
  'This will be a configuration error in a future release.';

/** SPIRE's warning for a non-empty `experimental` block. */
export const EXPERIMENTAL_WARNING =
  'Experimental features have been enabled. Please see doc/upgrading.md for upgrade and compatibility considerations for experimental features.';

function checkSettings(settings: AgentSettings, issues: ConfigIssue[]): void {
  const fail = (message: string): number => issues.push({ path: '', message, standalone: true });
  if (settings.trustDomain !== '') {
    try {
      TrustDomain.parse(settings.trustDomain);
    } catch (err) {
      fail(`could not parse trust_domain "${settings.trustDomain}": ${(err as Error).message}`);
    }
  }
  const admin = settings.adminSocketPath;
  if (admin !== undefined) {
    const publicDir = path.dirname(settings.socketPath);
    const relative = path.relative(publicDir, path.resolve(admin));
    if (!relative.startsWith('..') && !path.isAbsolute(relative)) {
      fail(
        'admin socket cannot be in the same directory or a subdirectory as that containing the Workload API socket',
      );
    }
  }
}

/** Builds an {@link AgentConfig} from a parsed file; throws {@link ConfigError} listing every problem. */
export function agentConfigFromParsed(
  parsed: ParsedConfig,
  flags: AgentFlagOverrides = {},
): LoadedAgentConfig {
  const file = assertDecoded(decodeConfig(parsed, agentFileSchema));
  const section = file.agent ?? {};
  const issues: ConfigIssue[] = [
    ...refusedAgentKeys(file, parsed.positions),
    ...telemetryIssues(file.telemetry, parsed.positions),
  ];
  const agent = mapAgentSection(section, flags, issues);
  checkSettings(agent, issues);
  const plugins = mapAgentPlugins(file.plugins ?? {}, issues, parsed.positions);
  if (issues.length > 0) throw new ConfigError(issues);
  const warnings: string[] = [];
  if (section.experimental && Object.keys(section.experimental).length > 0)
    warnings.push(EXPERIMENTAL_WARNING);
  if (agent.sds.defaultBundleName === agent.sds.defaultAllBundlesName) warnings.push(SDS_SAME_NAMES_WARNING);
  warnings.push(...agentInertKeyWarnings(file));
  warnings.push(...unsupportedSinkWarnings(file.telemetry));
  const config: AgentConfig = {
    agent,
    plugins,
    healthChecks: healthChecksConfig(file.health_checks),
    telemetry: telemetryConfig(file.telemetry, 'spire_agent'),
    source: { filename: parsed.filename, positions: parsed.positions },
  };
  return { config, warnings };
}

/** Parses and validates agent config text (HCL or JSON). */
export function parseAgentConfig(text: string, options: LoadAgentConfigOptions = {}): LoadedAgentConfig {
  return agentConfigFromParsed(parseConfigText(text, options), options.flags);
}

/**
 * Reads, parses and validates an agent config file. Errors carry SPIRE's messages
 * (`could not find config file ...`, `trust_domain must be configured`, `unknown configuration detected ...`).
 */
export function loadAgentConfig(
  file: string = DEFAULT_AGENT_CONFIG_PATH,
  options: LoadAgentConfigOptions = {},
): LoadedAgentConfig {
  return agentConfigFromParsed(readConfigFile(file, options), options.flags);
}
