/** `logger get|set|reset`: the live log level of the server (Logger API on the admin socket). */
import type { Command } from 'commander';
import { formatLoggerPretty, parseCliLogLevel, type ApiLogLevel } from '@lanyard/common';
import type { CliCommand, CommandContext } from '../registry';
import {
  addApiCommand,
  addGroup,
  CliFailure,
  rpc,
  stringOption,
  wrapError,
  type ApiFlags,
  type ApiRun,
} from './support/api-command';
import { printProtoJson } from './support/protojson';

interface SetFlags extends ApiFlags {
  level?: string;
}

/** Prints a returned `spire.api.types.Logger` in the requested format. */
function printLogger(api: ApiRun, logger: { current_level: string; launch_level: string }): void {
  if (api.format === 'json') return printProtoJson(api.stdout, 'spire.api.types.Logger', [logger]);
  api.stdout.write(formatLoggerPretty(logger));
}

/** Validates `-level` before connecting (SPIRE's messages, printed as `Error: …`). */
function levelOf(flags: SetFlags): ApiLogLevel {
  try {
    return parseCliLogLevel(flags.level);
  } catch (err) {
    throw new CliFailure((err as Error).message);
  }
}

function register(program: Command, ctx: CommandContext): void {
  const logger = addGroup(program, 'logger', 'Gets or changes the server log level');
  addApiCommand<ApiFlags>(logger, ctx, {
    name: 'get',
    description: 'Gets the logger details',
    async run(_flags, api) {
      const client = api.clients.logger;
      const res = await rpc(client, client.GetLogger, {}).catch((err: unknown) => {
        throw wrapError('error fetching logger', err);
      });
      printLogger(api, res);
    },
  });
  addApiCommand<SetFlags>(logger, ctx, {
    name: 'set',
    description: 'Sets the logger details',
    options: [
      stringOption(
        '--level <level>',
        'The new log level, one of (panic, fatal, error, warn, info, debug, trace)',
      ),
    ],
    async run(flags, api) {
      const level = levelOf(flags);
      const client = api.clients.logger;
      const res = await rpc(client, client.SetLogLevel, { new_level: level }).catch((err: unknown) => {
        throw wrapError('failed to set log level', err);
      });
      printLogger(api, res);
    },
  });
  addApiCommand<ApiFlags>(logger, ctx, {
    name: 'reset',
    description: 'Reset the logger details to launch level',
    async run(_flags, api) {
      const client = api.clients.logger;
      const res = await rpc(client, client.ResetLogLevel, {}).catch((err: unknown) => {
        throw wrapError('failed to reset logger', err);
      });
      printLogger(api, res);
    },
  });
}

/** Registration of `logger`. */
export const loggerCommand: CliCommand = { name: 'logger', register };
