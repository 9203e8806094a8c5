/** `entry create`: creates registration entries from flags or `-data`. */
import type { Command } from 'commander';
import type { CommandContext } from '../../registry';
import { addApiCommand, CliFailure, rpc } from '../support/api-command';
import { printBatchEntryResults, type EntryResult } from './batch-result';
import { readEntryData } from './entry-data';
import { entryFromFlags, entryWriteOptions, validateTtls, type EntryWriteFlags } from './entry-flags';

function validate(flags: EntryWriteFlags): void {
  if (flags.selector.length < 1) throw new CliFailure('at least one selector is required');
  if (flags.node && flags.federatesWith.length > 0) throw new CliFailure('node entries can not federate');
  if (!flags.parentID && !flags.node) {
    throw new CliFailure('a parent ID is required if the node flag is not set');
  }
  if (!flags.spiffeID) throw new CliFailure('a SPIFFE ID is required');
  validateTtls(flags);
}

/** Adds `entry create` to the `entry` group. */
export function addEntryCreate(entry: Command, ctx: CommandContext): void {
  addApiCommand<EntryWriteFlags>(entry, ctx, {
    name: 'create',
    description: 'Creates registration entries',
    options: entryWriteOptions(true),
    async run(flags, api) {
      if (!flags.data) validate(flags);
      const entries = flags.data ? await readEntryData(flags.data) : [entryFromFlags(flags, 'create')];
      const res = await rpc(api.clients.entry, api.clients.entry.BatchCreateEntry, { entries });
      printBatchEntryResults(
        api,
        'create',
        'spire.api.server.entry.v1.BatchCreateEntryResponse',
        res.results as EntryResult[],
        entries,
      );
    },
  });
}
