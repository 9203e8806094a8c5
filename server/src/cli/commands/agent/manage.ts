/** `agent show`, `agent ban`, `agent evict`: one agent by SPIFFE ID. */
import type { Command } from 'commander';
import type { CommandContext } from '../../registry';
import {
  addApiCommand,
  CliFailure,
  rpc,
  stringOption,
  type ApiFlags,
  type ApiRun,
} from '../support/api-command';
import { idToProto, type SpiffeIdProto } from '../support/ids';
import { printProtoJson } from '../support/protojson';
import { agentLine, formatAgent } from './agent-view';

interface AgentIdFlags extends ApiFlags {
  spiffeID?: string;
}

function requireId(flags: AgentIdFlags): SpiffeIdProto {
  if (!flags.spiffeID) throw new CliFailure('a SPIFFE ID is required');
  return idToProto(flags.spiffeID);
}

/** Prints `google.protobuf.Empty` as JSON (`{}`) or the pretty success line. */
function printDone(api: ApiRun, line: string): void {
  if (api.format === 'json') printProtoJson(api.stdout, 'google.protobuf.Empty', [{}]);
  else api.stdout.write(`${line}\n`);
}

/** Adds `agent show`, `agent ban` and `agent evict`. */
export function addAgentManage(agent: Command, ctx: CommandContext): void {
  addApiCommand<AgentIdFlags>(agent, ctx, {
    name: 'show',
    description: 'Shows the details of an attested agent given its SPIFFE ID',
    options: [stringOption('--spiffeID <id>', 'The SPIFFE ID of the agent to show (agent identity)')],
    async run(flags, api) {
      const id = requireId(flags);
      const res = await rpc(api.clients.agent, api.clients.agent.GetAgent, { id });
      if (api.format === 'json') return printProtoJson(api.stdout, 'spire.api.types.Agent', [res]);
      api.stdout.write(`Found an attested agent given its SPIFFE ID\n\n${formatAgent(res)}`);
      for (const s of res.selectors) api.stdout.write(agentLine('Selectors', `${s.type}:${s.value}`));
    },
  });
  addApiCommand<AgentIdFlags>(agent, ctx, {
    name: 'ban',
    description: 'Ban an attested agent given its SPIFFE ID',
    options: [stringOption('--spiffeID <id>', 'The SPIFFE ID of the agent to ban (agent identity)')],
    async run(flags, api) {
      const id = requireId(flags);
      await rpc(api.clients.agent, api.clients.agent.BanAgent, { id });
      printDone(api, 'Agent banned successfully');
    },
  });
  addApiCommand<AgentIdFlags>(agent, ctx, {
    name: 'evict',
    description: 'Evicts an attested agent given its SPIFFE ID',
    options: [stringOption('--spiffeID <id>', 'The SPIFFE ID of the agent to evict (agent identity)')],
    async run(flags, api) {
      const id = requireId(flags);
      await rpc(api.clients.agent, api.clients.agent.DeleteAgent, { id });
      printDone(api, 'Agent evicted successfully');
    },
  });
}
