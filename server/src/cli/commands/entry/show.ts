/** `entry show` and `entry count`: list or count entries matching filters. */
import type { Command } from 'commander';
import { listOption } from '@lanyard/common';
import type { CommandContext } from '../../registry';
import {
  addApiCommand,
  boolOption,
  CliFailure,
  rpc,
  stringOption,
  wrapError,
  type ApiFlags,
  type ApiRun,
} from '../support/api-command';
import { plural } from '../support/format';
import { idToProto, parseSelector } from '../support/ids';
import { printProtoJson } from '../support/protojson';
import { formatEntry, sortEntries, type EntryView } from './entry-view';

/** SPIRE's page size for `entry show`. */
const PAGE_SIZE = 500;
/** Upper bound on pages fetched (500 × 10 000 entries), so a misbehaving server cannot loop us forever. */
const MAX_PAGES = 10_000;

interface FilterFlags extends ApiFlags {
  entryID?: string;
  parentID?: string;
  spiffeID?: string;
  selector: string[];
  federatesWith: string[];
  matchSelectorsOn: string;
  matchFederatesWithOn: string;
  hint?: string;
  downstream: boolean;
}

const MATCH: Record<string, string> = {
  exact: 'MATCH_EXACT',
  any: 'MATCH_ANY',
  superset: 'MATCH_SUPERSET',
  subset: 'MATCH_SUBSET',
};

function matchBehavior(mode: string): string {
  const found = MATCH[mode];
  if (!found) throw new CliFailure(`match behavior ${JSON.stringify(mode)} unknown`);
  return found;
}

function parsed<T>(prefix: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw wrapError(prefix, err);
  }
}

/** Builds the `ListEntries`/`CountEntries` filter the way SPIRE's CLI does (always `by_downstream`). */
function buildFilter(flags: FilterFlags): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  if (flags.parentID) {
    const id = flags.parentID;
    filter.by_parent_id = parsed(`error parsing parent ID ${JSON.stringify(id)}`, () => idToProto(id));
  }
  if (flags.spiffeID) {
    const id = flags.spiffeID;
    filter.by_spiffe_id = parsed(`error parsing SPIFFE ID ${JSON.stringify(id)}`, () => idToProto(id));
  }
  if (flags.selector.length > 0) {
    const match = matchBehavior(flags.matchSelectorsOn);
    const selectors = parsed('error parsing selectors', () => flags.selector.map(parseSelector));
    filter.by_selectors = { selectors, match };
  }
  if (flags.federatesWith.length > 0) {
    filter.by_federates_with = {
      trust_domains: flags.federatesWith,
      match: matchBehavior(flags.matchFederatesWithOn),
    };
  }
  if (flags.hint) filter.by_hint = { value: flags.hint };
  filter.by_downstream = { value: flags.downstream };
  return filter;
}

function filterOptions(withEntryId: boolean) {
  const options = [
    stringOption('--parentID <id>', 'The Parent ID of the records to show'),
    stringOption('--spiffeID <id>', 'The SPIFFE ID of the records to show'),
    listOption(
      '--selector <type:value>',
      'A colon-delimited type:value selector. Can be used more than once',
    ),
    listOption('--federatesWith <td>', 'SPIFFE ID of a trust domain an entry is federated with. Repeatable'),
    stringOption(
      '--matchSelectorsOn <mode>',
      'Selector match mode: exact, any, superset or subset',
      'superset',
    ),
    stringOption(
      '--matchFederatesWithOn <mode>',
      'FederatesWith match mode: exact, any, superset or subset',
      'superset',
    ),
    stringOption('--hint <hint>', 'The hint of the records to show (optional)'),
    boolOption('--downstream', 'Shows only entries describing downstream SPIRE servers'),
  ];
  if (withEntryId) options.unshift(stringOption('--entryID <id>', 'The entry ID of the record to show'));
  return options;
}

async function fetchEntries(api: ApiRun, flags: FilterFlags): Promise<EntryView[]> {
  if (flags.entryID) {
    try {
      return [(await rpc(api.clients.entry, api.clients.entry.GetEntry, { id: flags.entryID })) as EntryView];
    } catch (err) {
      throw wrapError(`error fetching entry ID ${flags.entryID}`, err);
    }
  }
  return listEntries(api, buildFilter(flags));
}

/** Every entry matching `filter` (`ListEntries`, page by page). */
export async function listEntries(api: ApiRun, filter: Record<string, unknown>): Promise<EntryView[]> {
  const entries: EntryView[] = [];
  let pageToken = '';
  for (let page = 0; page < MAX_PAGES; page++) {
    let res;
    try {
      res = await rpc(api.clients.entry, api.clients.entry.ListEntries, {
        page_size: PAGE_SIZE,
        page_token: pageToken,
        filter,
      });
    } catch (err) {
      throw wrapError('error fetching entries', err);
    }
    entries.push(...(res.entries as EntryView[]));
    pageToken = res.next_page_token;
    if (!pageToken) break;
  }
  return entries;
}

/** Adds `entry show` and `entry count` to the `entry` group. */
export function addEntryShowCount(entry: Command, ctx: CommandContext): void {
  addApiCommand<FilterFlags>(entry, ctx, {
    name: 'show',
    description: 'Displays configured registration entries',
    options: filterOptions(true),
    async run(flags, api) {
      if (flags.entryID && (flags.parentID || flags.spiffeID || flags.selector.length > 0)) {
        throw new CliFailure("the -entryID flag can't be combined with others");
      }
      const entries = sortEntries(await fetchEntries(api, flags));
      if (api.format === 'json') {
        return printProtoJson(api.stdout, 'spire.api.server.entry.v1.ListEntriesResponse', [{ entries }]);
      }
      api.stdout.write(`${plural(`Found ${entries.length} `, 'entry', 'entries', entries.length)}\n`);
      for (const e of entries) api.stdout.write(formatEntry(e));
    },
  });
  addApiCommand<FilterFlags>(entry, ctx, {
    name: 'count',
    description: 'Count registration entries',
    options: filterOptions(false),
    async run(flags, api) {
      const res = await rpc(api.clients.entry, api.clients.entry.CountEntries, {
        filter: buildFilter(flags),
      });
      if (api.format === 'json') {
        return printProtoJson(api.stdout, 'spire.api.server.entry.v1.CountEntriesResponse', [res]);
      }
      api.stdout.write(`${plural(`${res.count} registration `, 'entry', 'entries', res.count)}\n`);
    },
  });
}
