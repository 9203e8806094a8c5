/** `agent purge`: deletes re-attestable agents whose SVID expired more than `-expiredFor` ago. */
import { Option, type Command } from 'commander';
import type { CommandContext } from '../../registry';
import {
  addApiCommand,
  boolOption,
  errorText,
  rpc,
  wrapError,
  type ApiFlags,
  type ApiRun,
} from '../support/api-command';
import { plural } from '../support/format';
import { protoToIdString } from '../support/ids';
import { durationArg } from '../support/parsers';
import { printStructJson } from '../support/protojson';
import { agentLine } from './agent-view';

/** SPIRE's default `-expiredFor` (720h) in nanoseconds. */
const DEFAULT_EXPIRED_FOR_NS = 720 * 3600 * 1e9;

interface PurgeFlags extends ApiFlags {
  expiredFor: number;
  dryRun: boolean;
}

interface ExpiredAgent {
  agent_id: string;
  deleted: boolean;
  error?: string;
}

function printPretty(api: ApiRun, agents: ExpiredAgent[], dryRun: boolean): void {
  const out = api.stdout;
  if (agents.length === 0) return void out.write('No agents to purge.\n');
  out.write(`${plural(`Found ${agents.length} expired `, 'agent', 'agents', agents.length)}\n\n`);
  if (dryRun) {
    out.write('\nAgents that can be purged:\n');
    for (const a of agents) out.write(agentLine('SPIFFE ID', a.agent_id));
    return;
  }
  const purged = agents.filter((a) => a.deleted);
  const failed = agents.filter((a) => !a.deleted);
  if (purged.length > 0) out.write('Agents purged:\n');
  for (const a of purged) out.write(agentLine('SPIFFE ID', a.agent_id));
  if (failed.length > 0) out.write('Agents not purged:\n');
  for (const a of failed) out.write(agentLine('SPIFFE ID', a.agent_id) + agentLine('Error', a.error ?? ''));
}

/** Adds `agent purge`. */
export function addAgentPurge(agent: Command, ctx: CommandContext): void {
  addApiCommand<PurgeFlags>(agent, ctx, {
    name: 'purge',
    description: 'Purge expired agents that were attested using a non-TOFU security model',
    options: [
      new Option(
        '--expiredFor <duration>',
        'Time since the agent SVID expired before it is purged (Go duration)',
      )
        .argParser(durationArg)
        .default(DEFAULT_EXPIRED_FOR_NS, '720h'),
      boolOption('--dryRun', 'Print the agents that would be purged without deleting them'),
    ],
    async run(flags, api) {
      let res;
      try {
        res = await rpc(api.clients.agent, api.clients.agent.ListAgents, {
          filter: { by_can_reattest: { value: true } },
          output_mask: { x509svid_expires_at: true },
        });
      } catch (err) {
        throw wrapError('failed to list agents', err);
      }
      const expired: ExpiredAgent[] = [];
      for (const a of res.agents) {
        if (Date.now() - Number(a.x509svid_expires_at) * 1000 <= flags.expiredFor / 1e6) continue;
        const result: ExpiredAgent = { agent_id: protoToIdString(a.id), deleted: false };
        if (!flags.dryRun) {
          try {
            await rpc(api.clients.agent, api.clients.agent.DeleteAgent, { id: a.id });
            result.deleted = true;
          } catch (err) {
            result.error = errorText(err);
          }
        }
        expired.push(result);
      }
      if (api.format === 'json') return printStructJson(api.stdout, { expired_agents: expired });
      printPretty(api, expired, flags.dryRun);
    },
  });
}
