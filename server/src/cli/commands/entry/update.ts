/** `entry update`: replaces registration entries from flags or `-data`. */
import type { Command } from 'commander';
import type { CommandContext } from '../../registry';
import { addApiCommand, CliFailure, rpc, wrapError, type ApiRun } from '../support/api-command';
import { printBatchEntryResults, type EntryResult } from './batch-result';
import { readEntryData } from './entry-data';
import { entryFromFlags, entryWriteOptions, validateTtls, type EntryWriteFlags } from './entry-flags';
import type { EntryView } from './entry-view';

function validate(flags: EntryWriteFlags): void {
  if (!flags.entryID) throw new CliFailure('entry ID is required');
  if (flags.selector.length < 1) throw new CliFailure('at least one selector is required');
  if (!flags.parentID) throw new CliFailure('a parent ID is required');
  if (!flags.spiffeID) throw new CliFailure('a SPIFFE ID is required');
  validateTtls(flags);
}

/** Keeps the stored additional attributes the flags did not mention (SPIRE's merge). */
async function mergeAttributes(api: ApiRun, flags: EntryWriteFlags, entry: EntryView): Promise<void> {
  let existing: EntryView;
  try {
    existing = (await rpc(api.clients.entry, api.clients.entry.GetEntry, { id: flags.entryID })) as EntryView;
  } catch (err) {
    throw wrapError('failed to fetch existing entry to merge additional attributes', err);
  }
  const merged = {
    disable_x509_svid_prefetch: existing.additional_attributes?.disable_x509_svid_prefetch ?? false,
    jwt_svid_include_jti: existing.additional_attributes?.jwt_svid_include_jti ?? false,
  };
  if (flags.disableX509SVIDPrefetch !== undefined)
    merged.disable_x509_svid_prefetch = flags.disableX509SVIDPrefetch;
  if (flags.jwtSVIDIncludeJTI !== undefined) merged.jwt_svid_include_jti = flags.jwtSVIDIncludeJTI;
  entry.additional_attributes = merged;
}

/** Adds `entry update` to the `entry` group. */
export function addEntryUpdate(entry: Command, ctx: CommandContext): void {
  addApiCommand<EntryWriteFlags>(entry, ctx, {
    name: 'update',
    description: 'Updates registration entries',
    options: entryWriteOptions(false),
    async run(flags, api) {
      if (!flags.data) validate(flags);
      const entries = flags.data ? await readEntryData(flags.data) : [entryFromFlags(flags, 'update')];
      if (!flags.data && entries[0].additional_attributes) await mergeAttributes(api, flags, entries[0]);
      const res = await rpc(api.clients.entry, api.clients.entry.BatchUpdateEntry, { entries });
      printBatchEntryResults(
        api,
        'update',
        'spire.api.server.entry.v1.BatchUpdateEntryResponse',
        res.results as EntryResult[],
        entries,
      );
    },
  });
}
