/**
 * Writes an {@link ImportPlan} into an empty Lanyard datastore, the disk KeyManager and `data_dir`. The
 * datastore rows go first; on any failure the rows written so far are deleted again, so a failed import
 * leaves the datastore as it was. The CA journal is written last: until it exists, Lanyard would start with
 * fresh authorities rather than half-imported ones.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { FailedPreconditionError, type LanyardError } from '@lanyard/base';
import { DiskKeyManager, JOURNAL_FILE, type KeyManager } from '../ca';
import { writeJournal } from '../ca/journal';
import type { DataStore } from '../datastore';
import type { ImportPlan } from './plan';

/** Counts of what was written. */
export interface ImportResult {
  entries: number;
  nodes: number;
  joinTokens: number;
  bundles: number;
  relationships: number;
  keys: number;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** Refuses a target that already holds data: the import never merges into a running trust domain. */
export async function checkEmptyTarget(
  datastore: DataStore,
  keyManager: KeyManager,
  dataDir: string,
): Promise<void> {
  if (!(keyManager instanceof DiskKeyManager))
    throw new FailedPreconditionError(
      'the Lanyard config must use KeyManager "disk": the imported CA keys have to outlive the import',
    );
  if (await exists(path.join(dataDir, JOURNAL_FILE)))
    throw new FailedPreconditionError(
      `${dataDir} already holds a Lanyard CA journal; import into a fresh data_dir`,
    );
  const [entries, nodes, bundles] = await Promise.all([
    datastore.countEntries(),
    datastore.countNodes(),
    datastore.countBundles(),
  ]);
  if (entries + nodes + bundles > 0)
    throw new FailedPreconditionError(
      `the Lanyard datastore is not empty (${entries} entries, ${nodes} agents, ${bundles} bundles); import into an empty one`,
    );
}

/** Deletes what `apply` wrote before a failure (best effort, newest first). */
class Undo {
  private readonly steps: Array<() => Promise<unknown>> = [];

  push(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    for (const step of this.steps.reverse()) await step().catch(() => undefined);
  }
}

async function writeRows(datastore: DataStore, plan: ImportPlan, undo: Undo): Promise<void> {
  for (const bundle of plan.bundles) {
    await datastore.createBundle(bundle);
    undo.push(() => datastore.deleteBundle(bundle.trustDomain.name, 'DELETE'));
  }
  for (const relationship of plan.relationships) {
    await datastore.createFederationRelationship(relationship);
    undo.push(() => datastore.deleteFederationRelationship(relationship.trustDomain));
  }
  const results = await datastore.createEntries(plan.entries);
  for (const result of results) if (result.ok) undo.push(() => datastore.deleteEntry(result.entry.id));
  const failed = results.findIndex((result) => !result.ok);
  if (failed >= 0) {
    const error = (results[failed] as { error: LanyardError }).error;
    throw new FailedPreconditionError(`entry ${String(plan.entries[failed].id)}: ${error.message}`);
  }
  for (const node of plan.nodes) {
    await datastore.createNode(node);
    undo.push(() => datastore.deleteNode(node.spiffeId));
  }
  for (const token of plan.joinTokens) {
    await datastore.createJoinToken(token);
    undo.push(() => datastore.consumeJoinToken(token.token));
  }
}

/** Writes the plan; throws (after undoing the datastore rows) on the first failure. */
export async function applyImport(
  plan: ImportPlan,
  target: { datastore: DataStore; keyManager: DiskKeyManager; dataDir: string },
): Promise<ImportResult> {
  for (const id of plan.ca.keys.keys())
    if (await target.keyManager.getKey(id))
      throw new FailedPreconditionError(
        `the Lanyard KeyManager already holds key "${id}"; use a fresh keys_path`,
      );
  const undo = new Undo();
  try {
    await writeRows(target.datastore, plan, undo);
    for (const [id, key] of plan.ca.keys) await target.keyManager.importKey(id, key);
  } catch (err) {
    await undo.run();
    throw err;
  }
  await writeJournal(target.dataDir, plan.ca.journal);
  return {
    entries: plan.entries.length,
    nodes: plan.nodes.length,
    joinTokens: plan.joinTokens.length,
    bundles: plan.bundles.length,
    relationships: plan.relationships.length,
    keys: plan.ca.keys.size,
  };
}
