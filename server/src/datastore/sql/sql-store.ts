import type { Kysely } from 'kysely';
import { InternalError } from '@lanyard/base';
import { SimilarEntryExistsError } from '../errors';
import type { SpiffeBundle } from '@lanyard/spiffe';
import type * as T from '../types';
import * as authorities from './bundle-authorities';
import * as bundles from './bundles';
import { createEntries } from './entry-create';
import * as read from './entry-read';
import { scanAllEntries } from './entry-scan';
import { deleteEntry, updateEntry } from './entry-update';
import * as events from './events';
import * as federation from './federation';
import * as tokens from './join-tokens';
import { writeNodeSelectors, getNodeSelectors, listNodeSelectors } from './node-selectors';
import * as nodes from './nodes';
import type { Database, StoreContext } from './schema';

/** The {@link T.DataStore} over kysely; every method delegates to a per-concept module. */
export class SqlDataStore implements T.DataStore {
  private readonly ctx: StoreContext;
  /** Where reads that tolerate staleness go: the read replica, or the primary. */
  private readonly stale: Kysely<Database>;

  constructor(
    dbs: { db: Kysely<Database>; readOnly: Kysely<Database> },
    kind: T.DatabaseType,
    now: () => number,
  ) {
    this.ctx = { db: dbs.db, kind, nowSeconds: () => Math.floor(now() / 1000) };
    this.stale = dbs.readOnly;
  }

  private get db(): Kysely<Database> {
    return this.ctx.db;
  }

  async createEntry(entry: T.NewRegistrationEntry): Promise<T.RegistrationEntry> {
    const [result] = await createEntries(this.ctx, [entry]);
    if (result === undefined) throw new InternalError('batch create returned no result');
    if (!result.ok) throw result.error;
    return result.entry;
  }

  async createOrReturnEntry(
    entry: T.NewRegistrationEntry,
  ): Promise<{ entry: T.RegistrationEntry; existing: boolean }> {
    try {
      return { entry: await this.createEntry(entry), existing: false };
    } catch (err) {
      if (err instanceof SimilarEntryExistsError) return { entry: err.existing, existing: true };
      throw err;
    }
  }

  createEntries(entries: T.NewRegistrationEntry[]): Promise<T.CreateEntryResult[]> {
    return createEntries(this.ctx, entries);
  }
  getEntry(id: string): Promise<T.RegistrationEntry | undefined> {
    return read.getEntry(this.db, id);
  }
  getEntries(ids: readonly string[]): Promise<Map<string, T.RegistrationEntry>> {
    return read.getEntries(this.db, ids);
  }
  listEntries(filter: T.EntryFilter = {}, page?: T.PageRequest): Promise<T.Page<T.RegistrationEntry>> {
    return read.listEntries(this.db, filter, page);
  }
  countEntries(filter: T.EntryFilter = {}): Promise<number> {
    return read.countEntries(this.db, filter);
  }
  updateEntry(entry: T.RegistrationEntry, mask?: T.EntryMask): Promise<T.RegistrationEntry> {
    return updateEntry(this.ctx, entry, mask);
  }
  deleteEntry(id: string): Promise<T.RegistrationEntry> {
    return deleteEntry(this.ctx, id);
  }
  scanEntriesForCache(onPage: (entries: T.RegistrationEntry[]) => void, pageSize?: number): Promise<number> {
    return scanAllEntries(this.stale, onPage, pageSize);
  }

  createNode(node: T.NewAttestedNode): Promise<T.AttestedNode> {
    return nodes.createNode(this.ctx, node);
  }
  getNode(spiffeId: string): Promise<T.AttestedNode | undefined> {
    return nodes.getNode(this.db, spiffeId);
  }
  listNodes(filter: T.NodeFilter = {}, page?: T.PageRequest): Promise<T.Page<T.AttestedNode>> {
    return nodes.listNodes(this.db, filter, page);
  }
  countNodes(filter: T.NodeFilter = {}): Promise<number> {
    return nodes.countNodes(this.db, filter);
  }
  updateNode(node: Omit<T.NewAttestedNode, 'selectors'>, mask?: T.NodeMask): Promise<T.AttestedNode> {
    return nodes.updateNode(this.ctx, node, mask);
  }
  deleteNode(spiffeId: string): Promise<T.AttestedNode> {
    return nodes.deleteNode(this.ctx, spiffeId);
  }
  async setNodeSelectors(spiffeId: string, selectors: T.Selector[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await writeNodeSelectors(trx, spiffeId, selectors);
      await events.recordNodeEvents(trx, [spiffeId], this.ctx.nowSeconds());
    });
  }
  getNodeSelectors(spiffeId: string): Promise<T.Selector[]> {
    return getNodeSelectors(this.db, spiffeId);
  }
  listNodeSelectors(opts?: { validAt?: number }): Promise<T.NodeSelectors[]> {
    return listNodeSelectors(this.stale, opts?.validAt);
  }
  async isAttested(agentId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('attested_nodes')
      .select('seq')
      .where('spiffe_id', '=', agentId)
      .executeTakeFirst();
    return row !== undefined;
  }

  createJoinToken(token: T.JoinToken): Promise<void> {
    return tokens.createJoinToken(this.db, token);
  }
  getJoinToken(token: string): Promise<T.JoinToken | undefined> {
    return tokens.getJoinToken(this.db, token);
  }
  consumeJoinToken(token: string): Promise<{ expiresAt: number } | undefined> {
    return tokens.consumeJoinToken(this.db, token);
  }
  pruneJoinTokens(expiresBefore: number): Promise<number> {
    return tokens.pruneJoinTokens(this.db, expiresBefore);
  }

  createBundle(bundle: SpiffeBundle): Promise<SpiffeBundle> {
    return bundles.createBundle(this.db, bundle);
  }
  getBundle(trustDomain: string): Promise<SpiffeBundle | undefined> {
    return bundles.getBundle(this.db, trustDomain);
  }
  listBundles(page?: T.PageRequest): Promise<T.Page<SpiffeBundle>> {
    return bundles.listBundles(this.db, page);
  }
  countBundles(): Promise<number> {
    return bundles.countBundles(this.db);
  }
  updateBundle(bundle: SpiffeBundle, mask?: T.BundleMask): Promise<SpiffeBundle> {
    return bundles.updateBundle(this.db, bundle, mask);
  }
  setBundle(bundle: SpiffeBundle): Promise<SpiffeBundle> {
    return bundles.setBundle(this.db, bundle);
  }
  appendBundle(bundle: SpiffeBundle): Promise<SpiffeBundle> {
    return bundles.appendBundle(this.db, bundle);
  }
  deleteBundle(trustDomain: string, mode: T.BundleDeleteMode = 'RESTRICT'): Promise<void> {
    return bundles.deleteBundle(this.ctx, trustDomain, mode);
  }
  pruneBundle(trustDomain: string, expiresBefore: number): Promise<boolean> {
    return authorities.pruneBundle(this.db, trustDomain, expiresBefore);
  }
  taintX509Authority(trustDomain: string, subjectKeyId: string): Promise<void> {
    return authorities.taintX509Authority(this.db, trustDomain, subjectKeyId);
  }
  revokeX509Authority(trustDomain: string, subjectKeyId: string): Promise<void> {
    return authorities.revokeX509Authority(this.db, trustDomain, subjectKeyId);
  }
  taintJwtAuthority(trustDomain: string, keyId: string): Promise<void> {
    return authorities.taintJwtAuthority(this.db, trustDomain, keyId);
  }
  revokeJwtAuthority(trustDomain: string, keyId: string): Promise<void> {
    return authorities.revokeJwtAuthority(this.db, trustDomain, keyId);
  }

  createFederationRelationship(rel: T.FederationRelationship): Promise<T.FederationRelationship> {
    return federation.createFederationRelationship(this.ctx, rel);
  }
  getFederationRelationship(trustDomain: string): Promise<T.FederationRelationship | undefined> {
    return federation.getFederationRelationship(this.db, trustDomain);
  }
  listFederationRelationships(page?: T.PageRequest): Promise<T.Page<T.FederationRelationship>> {
    return federation.listFederationRelationships(this.db, page);
  }
  updateFederationRelationship(
    rel: T.FederationRelationship,
    mask?: T.FederationRelationshipMask,
  ): Promise<T.FederationRelationship> {
    return federation.updateFederationRelationship(this.ctx, rel, mask);
  }
  deleteFederationRelationship(trustDomain: string): Promise<void> {
    return federation.deleteFederationRelationship(this.db, trustDomain);
  }

  listEntryEventsAfter(afterEventId: number, limit?: number): Promise<T.EntryEvent[]> {
    return events.listEntryEventsAfter(this.db, afterEventId, limit);
  }
  listNodeEventsAfter(afterEventId: number, limit?: number): Promise<T.NodeEvent[]> {
    return events.listNodeEventsAfter(this.db, afterEventId, limit);
  }
  latestEventIds(): Promise<T.LatestEventIds> {
    return events.latestEventIds(this.stale);
  }
  pruneEvents(olderThan: number): Promise<{ entry: number; node: number }> {
    return events.pruneEvents(this.db, olderThan);
  }

  async close(): Promise<void> {
    await this.db.destroy();
    if (this.stale !== this.db) await this.stale.destroy();
  }
}
