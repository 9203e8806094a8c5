import type { Command } from 'commander';
import type { CliCommand, CommandContext } from '../registry';
import { registerFetchJwt } from './fetch-jwt';
import { registerFetchX509 } from './fetch-x509';
import { registerValidateJwt } from './validate-jwt';
import { registerWatch } from './watch';

/**
 * `lanyard-agent api …`: Workload API client commands as in `spire-agent api`: `fetch` (= `fetch x509`),
 * `fetch jwt`, `validate jwt`, `watch`.
 */
export const apiCommand: CliCommand = {
  name: 'api',
  register(program: Command, ctx: CommandContext): void {
    const api = program.command('api').description('Workload API client commands');
    const fetch = api.command('fetch').description('Fetches SVIDs from the Workload API');
    registerFetchX509(fetch, ctx);
    registerFetchJwt(fetch, ctx);
    const validate = api.command('validate').description('Validates SVIDs with the Workload API');
    registerValidateJwt(validate, ctx);
    registerWatch(api, ctx);
  },
};

export { resolvePublicSocket } from './client';
export { goTime, formatX509Response } from './x509-output';
