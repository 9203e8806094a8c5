/** `token generate`: creates a join token (and optionally an alias entry for `-spiffeID`). */
import { Option, type Command } from 'commander';
import type { JoinToken__Output } from '@lanyard/proto';
import type { CliCommand, CommandContext } from '../registry';
import { addApiCommand, addGroup, rpc, stringOption, type ApiFlags } from './support/api-command';
import { idToProto } from './support/ids';
import { intArg } from './support/parsers';
import { printProtoJson } from './support/protojson';

interface GenerateFlags extends ApiFlags {
  ttl: number;
  spiffeID?: string;
}

function register(program: Command, ctx: CommandContext): void {
  const token = addGroup(program, 'token', 'Manage join tokens');
  addApiCommand<GenerateFlags>(token, ctx, {
    name: 'generate',
    description: 'Generates a join token',
    options: [
      new Option('--ttl <seconds>', 'Token TTL in seconds').argParser(intArg).default(600),
      stringOption('--spiffeID <id>', 'Additional SPIFFE ID to assign the token owner (optional)'),
    ],
    async run(flags, api) {
      const agentId = flags.spiffeID ? idToProto(flags.spiffeID) : null;
      const res = await rpc(api.clients.agent, api.clients.agent.CreateJoinToken, {
        ttl: flags.ttl,
        agent_id: agentId,
      });
      if (api.format === 'json') return printProtoJson(api.stdout, 'spire.api.types.JoinToken', [res]);
      printToken(api.stdout, res, !flags.spiffeID);
    },
  });
}

function printToken(out: NodeJS.WritableStream, res: JoinToken__Output, missingId: boolean): void {
  out.write(`Token: ${res.value}\n`);
  if (missingId) out.write('Warning: Missing SPIFFE ID.\n');
}

/** Registration of `token`. */
export const tokenCommand: CliCommand = { name: 'token', register };
