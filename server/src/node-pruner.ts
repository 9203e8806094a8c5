import type { PluginLogger } from '@lanyard/attestor-core';
import type { DataStore } from './datastore/types';

/** `prune_attested_nodes_expired_for` and friends. */
export interface NodePruneOptions {
  /** Delete nodes whose SVID expired longer ago than this (seconds). */
  expiredForSeconds: number;
  /** `prune_attested_nodes_batch_size`: nodes examined per page; default 1000. */
  batchSize?: number;
  /** `prune_tofu_nodes`: also delete non-reattestable (trust-on-first-use) nodes. */
  pruneTofuNodes?: boolean;
}

/**
 * Deletes attested nodes whose SVID expired more than `expiredForSeconds` ago. Banned nodes are never pruned
 * (the ban must stick); non-reattestable ones only with `pruneTofuNodes`, since pruning them lets the same
 * identity attest again. Returns the IDs deleted.
 */
export async function pruneExpiredNodes(
  datastore: DataStore,
  options: NodePruneOptions,
  nowSeconds: number,
  logger: PluginLogger,
): Promise<string[]> {
  const pruned: string[] = [];
  const filter = { expiresBefore: nowSeconds - options.expiredForSeconds, banned: false };
  let pageToken = '';
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await datastore.listNodes(filter, { pageSize: options.batchSize ?? 1000, pageToken });
    for (const node of page.items) {
      if (!node.canReattest && !options.pruneTofuNodes) continue;
      await datastore.deleteNode(node.spiffeId);
      pruned.push(node.spiffeId);
      logger.info('Pruned expired agent', { spiffe_id: node.spiffeId, expired_at: node.certNotAfter });
    }
    pageToken = page.nextPageToken;
    if (pageToken === '') break;
  }
  return pruned;
}
