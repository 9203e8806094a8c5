/**
 * CLI flags of `lanyard-server run` that override config file values (flag > file > default, as SPIRE).
 */
import { parseLogFormat, parseLogLevel } from '@lanyard/common';
import type { ServerConfig } from './types';
import { validateServerConfig } from './validate';

/** Values given on the command line; undefined = not given. */
export interface ServerFlagOverrides {
  /** `-bindAddress` */
  bindAddress?: string;
  /** `-serverPort` */
  serverPort?: number;
  /** `-socketPath` */
  socketPath?: string;
  /** `-trustDomain` */
  trustDomain?: string;
  /** `-dataDir` */
  dataDir?: string;
  /** `-logLevel` */
  logLevel?: string;
  /** `-logFormat` */
  logFormat?: string;
  /** `-logFile` */
  logFile?: string;
  /** `-logSourceLocation` */
  logSourceLocation?: boolean;
}

/** Returns a copy of `config` with the given flags applied, validated again; also returns the warnings. */
export function applyServerFlags(
  config: ServerConfig,
  flags: ServerFlagOverrides,
): { config: ServerConfig; warnings: string[] } {
  const s = config.server;
  const server = {
    ...s,
    bindAddress: flags.bindAddress ?? s.bindAddress,
    bindPort: flags.serverPort ?? s.bindPort,
    socketPath: flags.socketPath ?? s.socketPath,
    trustDomain: flags.trustDomain ?? s.trustDomain,
    dataDir: flags.dataDir ?? s.dataDir,
    logLevel: flags.logLevel !== undefined ? parseLogLevel(flags.logLevel) : s.logLevel,
    logFormat: flags.logFormat !== undefined ? parseLogFormat(flags.logFormat) : s.logFormat,
    logFile: flags.logFile ?? s.logFile,
    logSourceLocation: flags.logSourceLocation || s.logSourceLocation,
  };
  const next: ServerConfig = { ...config, server };
  return { config: next, warnings: validateServerConfig(next) };
}
