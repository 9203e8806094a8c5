/** `entry delete`: deletes one entry (`-entryID`) or a batch (`-file`, JSON `{"ids":[…]}`). */
import type { Command } from 'commander';
import { codeName } from '@lanyard/base/grpc';
import type { CommandContext } from '../../registry';
import {
  addApiCommand,
  CliFailure,
  rpc,
  stringOption,
  type ApiFlags,
  type ApiRun,
} from '../support/api-command';
import { fileErrorText, readFileOrStdin } from '../support/format';
import { printProtoJson } from '../support/protojson';

interface DeleteFlags extends ApiFlags {
  entryID?: string;
  file?: string;
}

interface DeleteResult {
  status: { code: number; message: string } | null;
  id: string;
}

async function readIds(path: string): Promise<string[]> {
  let doc: unknown;
  try {
    doc = JSON.parse((await readFileOrStdin(path)).toString('utf8'));
  } catch (err) {
    if (err instanceof SyntaxError) throw new CliFailure(`invalid JSON in ${path}: ${err.message}`);
    throw new CliFailure(fileErrorText(path, err));
  }
  const ids = (doc as { ids?: unknown } | null)?.ids ?? [];
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) {
    throw new CliFailure('json: cannot unmarshal "ids": expected an array of strings');
  }
  return ids as string[];
}

/** SPIRE's pretty layout: successes, two newlines, failures on stderr, then a summary without newline. */
function printPretty(api: ApiRun, results: DeleteResult[]): void {
  const ok = results.filter((r) => (r.status?.code ?? 0) === 0);
  const failed = results.filter((r) => (r.status?.code ?? 0) !== 0);
  for (const r of ok) api.stdout.write(`Deleted entry with ID: ${r.id}\n`);
  if (ok.length > 0) api.stdout.write('\n\n');
  for (const r of failed) {
    const code = codeName(r.status?.code ?? 2);
    api.stderr.write(
      `Failed to delete entry with ID ${r.id} (code: ${code}, msg: ${JSON.stringify(r.status?.message ?? '')})\n`,
    );
  }
  if (failed.length > 0) {
    api.stdout.write('\n\n');
    api.stdout.write(
      ok.length === 0
        ? `Failed to delete ${failed.length} entries`
        : `Deleted ${ok.length} entries successfully, but failed to delete ${failed.length} entries`,
    );
    throw new CliFailure('failed to delete one or more entries');
  }
  api.stdout.write(`Deleted ${ok.length} entries successfully`);
}

/** Adds `entry delete` to the `entry` group. */
export function addEntryDelete(entry: Command, ctx: CommandContext): void {
  addApiCommand<DeleteFlags>(entry, ctx, {
    name: 'delete',
    description: 'Deletes registration entries',
    options: [
      stringOption('--entryID <id>', 'The Registration Entry ID of the record to delete'),
      stringOption(
        '--file <path>',
        'Path to a JSON file with entry IDs to delete ({"ids":[...]}); \'-\' reads stdin',
      ),
    ],
    async run(flags, api) {
      if (!flags.file && !flags.entryID) throw new CliFailure('an entry ID is required');
      const ids = flags.file ? await readIds(flags.file) : [flags.entryID as string];
      const res = await rpc(api.clients.entry, api.clients.entry.BatchDeleteEntry, { ids });
      if (api.format === 'json') {
        return printProtoJson(api.stdout, 'spire.api.server.entry.v1.BatchDeleteEntryResponse', [res]);
      }
      printPretty(api, res.results as DeleteResult[]);
    },
  });
}
