import { Option } from 'commander';
import { DEFAULT_SOCKET_PATH } from './admin-client';

/** `-socketPath` (admin API socket), shared by every API command. */
export function socketPathOption(): Option {
  return new Option(
    '--socketPath <path>',
    `path to the SPIRE Server API socket (default "${DEFAULT_SOCKET_PATH}")`,
  );
}

/** `-instance` (substitutes `%i` in `SPIRE_SERVER_PRIVATE_SOCKET_TEMPLATE`). */
export function instanceOption(): Option {
  return new Option(
    '--instance <name>',
    'server instance name, used with SPIRE_SERVER_PRIVATE_SOCKET_TEMPLATE',
  );
}

/** `-config` with SPIRE's default path. */
export function configOption(): Option {
  return new Option('--config <file>', 'path to a SPIRE config file').default('conf/server/server.conf');
}

/** `-expandEnv`. */
export function expandEnvOption(): Option {
  return new Option('--expandEnv', 'expand environment variables in SPIRE config file').default(false);
}

/** The `run`/`validate` overrides of config keys (flag > file > default). */
export function serverOverrideOptions(): Option[] {
  return [
    new Option('--bindAddress <address>', 'IP address or DNS name of the SPIRE server'),
    new Option('--serverPort <port>', 'port number of the SPIRE server'),
    new Option('--dataDir <dir>', 'directory to store runtime data to'),
    new Option('--trustDomain <td>', 'the trust domain that this server belongs to'),
    new Option('--socketPath <path>', 'path to bind the SPIRE Server API socket to'),
    new Option('--logFile <file>', 'file to write logs to'),
    new Option('--logFormat <format>', "'text' or 'json'"),
    new Option('--logLevel <level>', "'debug', 'info', 'warn', or 'error'"),
    new Option('--logSourceLocation', 'include source file, line number and function name in log lines'),
  ];
}

/** Flag values of {@link serverOverrideOptions}, as commander parses them. */
export interface ServerOverrideFlags {
  bindAddress?: string;
  serverPort?: string;
  dataDir?: string;
  trustDomain?: string;
  socketPath?: string;
  logFile?: string;
  logFormat?: string;
  logLevel?: string;
  logSourceLocation?: boolean;
}
