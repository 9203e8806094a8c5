/** `agent list|show|count|ban|evict|purge`. */
import type { Command } from 'commander';
import type { CliCommand, CommandContext } from '../../registry';
import { addGroup } from '../support/api-command';
import { addAgentListCount } from './list';
import { addAgentManage } from './manage';
import { addAgentPurge } from './purge';

function register(program: Command, ctx: CommandContext): void {
  const agent = addGroup(program, 'agent', 'Manage attested agents');
  addAgentListCount(agent, ctx);
  addAgentManage(agent, ctx);
  addAgentPurge(agent, ctx);
}

/** Registration of `agent`. */
export const agentCommand: CliCommand = { name: 'agent', register };
