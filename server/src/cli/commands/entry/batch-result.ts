/** Printing of `BatchCreateEntry` / `BatchUpdateEntry` results, SPIRE's way. */
import { codeName } from '@lanyard/base/grpc';
import { CliFailure, type ApiRun } from '../support/api-command';
import { printProtoJson } from '../support/protojson';
import { formatEntry, type EntryView } from './entry-view';

/** One per-entry result of a batch create/update. */
export interface EntryResult {
  status: { code: number; message: string } | null;
  entry: EntryView | null;
}

/** The server's TTL notices of an OK result (`OK; warning: …`) as `Warning: …` lines on stderr. */
function printTtlWarnings(api: ApiRun, message: string): void {
  for (const part of message.split('; warning: ').slice(1)) api.stderr.write(`Warning: ${part}\n`);
}

/**
 * Prints a batch create/update response. TTL warnings of OK results go to stderr in both formats. Failed results carry the *submitted* entry (as SPIRE's CLI does).
 * Pretty: successes to stdout, `Failed to <verb> the following entry (code: …, msg: "…"):` blocks to stderr,
 * then fails with `failed to <verb> one or more entries`. JSON: the response, exit 0.
 */
export function printBatchEntryResults(
  api: ApiRun,
  verb: 'create' | 'update',
  typeName: string,
  results: EntryResult[],
  submitted: EntryView[],
): void {
  const merged = results.map((r, i) => ({
    status: r.status ?? { code: 0, message: '' },
    entry: r.status?.code === 0 ? r.entry : (submitted[i] ?? r.entry),
  }));
  for (const r of merged) if (r.status.code === 0) printTtlWarnings(api, r.status.message);
  if (api.format === 'json') {
    printProtoJson(api.stdout, typeName, [{ results: merged }]);
    return;
  }
  const failed = merged.filter((r) => r.status.code !== 0);
  for (const r of merged) if (r.status.code === 0 && r.entry) api.stdout.write(formatEntry(r.entry));

  for (const r of failed) {
    api.stderr.write(
      `Failed to ${verb} the following entry (code: ${codeName(r.status.code)}, msg: ${JSON.stringify(r.status.message)}):\n`,
    );
    if (r.entry) api.stderr.write(formatEntry(r.entry));
  }
  if (failed.length > 0) throw new CliFailure(`failed to ${verb} one or more entries`);
}
