import { InvalidArgumentError } from '@lanyard/base';
import { applyServerFlags, loadServerConfig, type LoadedServerConfig } from '../config';
import type { ServerOverrideFlags } from './flags';

/** Flags shared by `run` and `validate`. */
export interface ConfigFlags extends ServerOverrideFlags {
  config: string;
  expandEnv: boolean;
}

function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new InvalidArgumentError(`invalid value "${value}" for flag -serverPort`, 'ERR_FLAG_PORT');
  }
  return port;
}

/** Loads the config file (with `-expandEnv`) and applies the command-line overrides (flag > file > default). */
export function loadConfigWithFlags(flags: ConfigFlags, env: NodeJS.ProcessEnv): LoadedServerConfig {
  const loaded = loadServerConfig(flags.config, { expandEnv: flags.expandEnv, env });
  const applied = applyServerFlags(loaded.config, {
    bindAddress: flags.bindAddress,
    serverPort: parsePort(flags.serverPort),
    socketPath: flags.socketPath,
    trustDomain: flags.trustDomain,
    dataDir: flags.dataDir,
    logLevel: flags.logLevel,
    logFormat: flags.logFormat,
    logFile: flags.logFile,
    logSourceLocation: flags.logSourceLocation,
  });
  return { config: applied.config, warnings: [...new Set([...loaded.warnings, ...applied.warnings])] };
}
