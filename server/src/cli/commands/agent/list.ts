/** `agent list` and `agent count`: attested agents matching filters. */
import type { Command } from 'commander';
import { listOption } from '@lanyard/common';
import type { Agent__Output } from '@lanyard/proto';
import type { CommandContext } from '../../registry';
import {
  addApiCommand,
  CliFailure,
  rpc,
  stringOption,
  wrapError,
  type ApiFlags,
  type ApiRun,
} from '../support/api-command';
import { plural } from '../support/format';
import { parseSelector } from '../support/ids';
import { printProtoJson } from '../support/protojson';
import { formatAgent } from './agent-view';

/** SPIRE's page size for `agent list`. */
const PAGE_SIZE = 1000;
/** Upper bound on pages fetched. */
const MAX_PAGES = 100_000;
const EXPIRES_LAYOUT = '2006-01-02 15:04:05 -0700 -07';
const MATCH: Record<string, string> = {
  exact: 'MATCH_EXACT',
  any: 'MATCH_ANY',
  superset: 'MATCH_SUPERSET',
  subset: 'MATCH_SUBSET',
};

interface AgentFilterFlags extends ApiFlags {
  selector: string[];
  matchSelectorsOn: string;
  attestationType?: string;
  canReattest?: string;
  banned?: string;
  expiresBefore?: string;
}

/** `true` → filter true, `false` → filter false, anything else → no filter (SPIRE's tri-state flag). */
function triState(value: string | undefined): { value: boolean } | null {
  if (value === 'true') return { value: true };
  if (value === 'false') return { value: false };
  return null;
}

function buildFilter(flags: AgentFilterFlags): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  if (flags.selector.length > 0) {
    const match = MATCH[flags.matchSelectorsOn];
    if (!match) throw new CliFailure('unsupported match behavior');
    const selectors = flags.selector.map((sel) => {
      try {
        return parseSelector(sel);
      } catch (err) {
        throw wrapError(`error parsing selector ${JSON.stringify(sel)}`, err);
      }
    });
    filter.by_selector_match = { selectors, match };
  }
  if (flags.expiresBefore) {
    if (!/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} [+-]\d\d$/.test(flags.expiresBefore)) {
      throw new CliFailure(
        `date is not valid: parsing time ${JSON.stringify(flags.expiresBefore)} as ${JSON.stringify(EXPIRES_LAYOUT)}`,
      );
    }
    filter.by_expires_before = flags.expiresBefore;
  }
  if (flags.attestationType) filter.by_attestation_type = flags.attestationType;
  filter.by_can_reattest = triState(flags.canReattest);
  filter.by_banned = triState(flags.banned);
  return filter;
}

function filterOptions() {
  return [
    listOption(
      '--selector <type:value>',
      'A colon-delimited type:value selector. Can be used more than once',
    ),
    stringOption('--attestationType <type>', 'Filter by attestation type, like join_token or x509pop.'),
    stringOption(
      '--canReattest <bool>',
      "'true': agents that can reattest, 'false': those that can't, else all",
    ),
    stringOption('--banned <bool>', "'true': banned agents, 'false': not banned agents, other value: all"),
    stringOption('--expiresBefore <time>', `Filter by expiration time (format: "${EXPIRES_LAYOUT}")`),
    stringOption(
      '--matchSelectorsOn <mode>',
      'Selector match mode: exact, any, superset or subset',
      'superset',
    ),
  ];
}

/** Every attested agent matching `filter` (`ListAgents`, page by page). */
export async function listAgents(api: ApiRun, filter: Record<string, unknown>): Promise<Agent__Output[]> {
  const agents: Agent__Output[] = [];
  let pageToken = '';
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await rpc(api.clients.agent, api.clients.agent.ListAgents, {
      page_size: PAGE_SIZE,
      page_token: pageToken,
      filter,
    });
    agents.push(...res.agents);
    pageToken = res.next_page_token;
    if (!pageToken) break;
  }
  return agents;
}

/** Adds `agent list` and `agent count`. */
export function addAgentListCount(agent: Command, ctx: CommandContext): void {
  addApiCommand<AgentFilterFlags>(agent, ctx, {
    name: 'list',
    description: 'Lists attested agents and their SPIFFE IDs',
    options: filterOptions(),
    async run(flags, api) {
      const agents = await listAgents(api, buildFilter(flags));
      if (api.format === 'json') {
        return printProtoJson(api.stdout, 'spire.api.server.agent.v1.ListAgentsResponse', [{ agents }]);
      }
      if (agents.length === 0) return void api.stdout.write('No attested agents found\n');
      api.stdout.write(
        `${plural(`Found ${agents.length} attested `, 'agent', 'agents', agents.length)}:\n\n`,
      );
      for (const a of agents) api.stdout.write(formatAgent(a));
    },
  });
  addApiCommand<AgentFilterFlags>(agent, ctx, {
    name: 'count',
    description: 'Count attested agents',
    options: filterOptions(),
    async run(flags, api) {
      const res = await rpc(api.clients.agent, api.clients.agent.CountAgents, { filter: buildFilter(flags) });
      if (api.format === 'json') {
        return printProtoJson(api.stdout, 'spire.api.server.agent.v1.CountAgentsResponse', [res]);
      }
      api.stdout.write(`${plural(`${res.count} attested `, 'agent', 'agents', res.count)}\n`);
    },
  });
}
