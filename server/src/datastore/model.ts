import type { Selector } from '@lanyard/attestor-core';
import type { LanyardError } from '@lanyard/base';
import type { SpiffeBundle } from '@lanyard/spiffe';

/*
 * Domain types of the datastore. Times are unix seconds, IDs are strings, trust domains are bare names
 * (`example.org`, never `spiffe://example.org`). Bundles are `@lanyard/spiffe`'s `SpiffeBundle` (tainted flags
 * and JWT key expiry as its authority metadata); their rows stay inside `sql/`. Values are validated by the
 * API layer; the store only guards integrity (required fields, uniqueness, references).
 */

export type { Selector } from '@lanyard/attestor-core';

/** A registration entry, as SPIRE's `types.Entry` models it. */
export interface RegistrationEntry {
  /** Entry ID: a UUID unless the caller chose one (`[A-Za-z0-9._-]`, ≤ 255 chars). */
  id: string;
  /** SPIFFE ID the workload gets, e.g. `spiffe://example.org/web`. */
  spiffeId: string;
  /** SPIFFE ID of the agent (or alias / server ID) allowed to serve this entry. */
  parentId: string;
  /** Selectors, deduplicated and sorted by type then value when read back. Never empty. */
  selectors: Selector[];
  /** X.509-SVID TTL in seconds; 0 means the server default. */
  x509SvidTtl: number;
  /** JWT-SVID TTL in seconds; 0 means the server default. */
  jwtSvidTtl: number;
  /** DNS SANs, in the order given. */
  dnsNames: string[];
  /** Trust domain names whose bundles the workload gets; each needs a stored bundle. Sorted when read. */
  federatesWith: string[];
  admin: boolean;
  downstream: boolean;
  /** Unix seconds after which the entry is no longer served; 0 = never expires. */
  expiresAt: number;
  /** Starts at 0, incremented by every update. */
  revisionNumber: number;
  storeSvid: boolean;
  /** Free-form hint shown to workloads; '' when unset. */
  hint: string;
  /** SPIRE `additional_attributes.jwt_svid_include_jti`: JWT-SVIDs for this entry carry a random `jti`. */
  jwtSvidIncludeJti: boolean;
  /**
   * SPIRE `additional_attributes.disable_x509_svid_prefetch`: the agent signs this entry's X.509-SVID only once
   * a workload asks for it.
   */
  disableX509SvidPrefetch: boolean;
  /** Unix seconds when the store created the entry. */
  createdAt: number;
}

/** Entry fields that default to `false` when a caller leaves them out of a new entry. */
type OptionalOnCreate = 'jwtSvidIncludeJti' | 'disableX509SvidPrefetch';

/**
 * What a caller supplies to create an entry: the store fills in id (unless given), revision and creation
 * time; the additional attributes default to `false`.
 */
export type NewRegistrationEntry = Omit<
  RegistrationEntry,
  'id' | 'revisionNumber' | 'createdAt' | OptionalOnCreate
> & {
  id?: string;
} & Partial<Pick<RegistrationEntry, OptionalOnCreate>>;

/** Fields of an entry an update may write. */
export type EntryField = Exclude<keyof RegistrationEntry, 'id' | 'revisionNumber' | 'createdAt'>;

/** Which fields `updateEntry` writes; `undefined` means every field (SPIRE's nil mask). */
export type EntryMask = Partial<Record<EntryField, boolean>>;

/** Set comparison between a filter set F and an entry's (or node's) set E. */
export type MatchMode =
  /** E = F, order-insensitive. */
  | 'EXACT'
  /** ∅ ≠ E ⊆ F (what agents use for workloads). */
  | 'SUBSET'
  /** E ⊇ F (CLI default). */
  | 'SUPERSET'
  /** E ∩ F ≠ ∅. */
  | 'MATCH_ANY';

/** A selector filter: non-empty set plus match mode. */
export interface SelectorMatch {
  selectors: Selector[];
  match: MatchMode;
}

/** A federates-with filter: non-empty set of trust domain names plus match mode. */
export interface FederatesWithMatch {
  trustDomains: string[];
  match: MatchMode;
}

/** Entry filters; every given filter must hold (AND). */
export interface EntryFilter {
  spiffeId?: string;
  parentId?: string;
  selectors?: SelectorMatch;
  federatesWith?: FederatesWithMatch;
  hint?: string;
  downstream?: boolean;
}

/** Paging request: `pageSize` 0 or absent returns everything in one page. */
export interface PageRequest {
  pageSize?: number;
  /** Opaque token from a previous page; '' or absent for the first page. */
  pageToken?: string;
}

/** One page of results; `nextPageToken` is '' when there is nothing more. */
export interface Page<T> {
  items: T[];
  nextPageToken: string;
}

/** Outcome of one item of a batch create, in input order (like `BatchCreateEntry`). */
export type CreateEntryResult =
  | { ok: true; entry: RegistrationEntry }
  | {
      ok: false;
      /** `AlreadyExistsError` ("similar entry already exists"), `InvalidArgumentError`, … */
      error: LanyardError;
      /** The existing similar entry, when `error` is an AlreadyExists for a similar entry. */
      existing?: RegistrationEntry;
    };

/** An attested agent, as SPIRE's `AttestedNode` models it. */
export interface AttestedNode {
  /** Agent SPIFFE ID, e.g. `spiffe://example.org/spire/agent/join_token/…`. */
  spiffeId: string;
  /** Node attestor name, e.g. `join_token`, `aws_iid`. */
  attestationDataType: string;
  /** Serial (decimal string) of the current agent SVID; '' when banned. */
  certSerialNumber: string;
  /** Unix seconds when the current agent SVID expires. */
  certNotAfter: number;
  /** Serial of a renewed SVID not yet used by the agent; '' when none. */
  newCertSerialNumber: string;
  newCertNotAfter: number;
  /** True when the agent may re-attest instead of renewing. */
  canReattest: boolean;
  /** Version the agent reported with `PostStatus` (SPIRE's `agent_version`); '' or absent when none. */
  agentVersion?: string;
  /** Node selectors (the node resolver map), sorted by type then value. */
  selectors: Selector[];
  /** Derived on read: both serials are empty. Ignored on write. */
  banned: boolean;
}

/** Fields of an attested node a create or update writes (`banned` is derived, `selectors` separate). */
export type NodeField = Exclude<keyof AttestedNode, 'spiffeId' | 'banned' | 'selectors'>;

/** Input to create an attested node; selectors, when given, replace the node's selectors in the same transaction. */
export type NewAttestedNode = Pick<AttestedNode, 'spiffeId' | NodeField> & { selectors?: Selector[] };

/** Which fields `updateNode` writes; `undefined` means every field. */
export type NodeMask = Partial<Record<NodeField, boolean>>;

/** Node filters; every given filter must hold (AND). */
export interface NodeFilter {
  attestationType?: string;
  banned?: boolean;
  /** Only nodes whose `certNotAfter` is strictly before this unix time. */
  expiresBefore?: number;
  selectors?: SelectorMatch;
  canReattest?: boolean;
}

/** A node's selectors, as listed for the authorised-entry cache. */
export interface NodeSelectors {
  spiffeId: string;
  selectors: Selector[];
}

/** A join token; the secret value is never logged. */
export interface JoinToken {
  token: string;
  /** Unix seconds. */
  expiresAt: number;
}

/** Fields of a bundle `updateBundle` writes; `undefined` means every field. */
export type BundleMask = Partial<
  Record<'x509Authorities' | 'jwtAuthorities' | 'refreshHint' | 'sequenceNumber', boolean>
>;

/** What `deleteBundle` does with entries that federate with the deleted trust domain (SPIRE's modes). */
export type BundleDeleteMode =
  /** Refuse (FailedPrecondition) while any entry federates with it. SPIRE's default. */
  | 'RESTRICT'
  /** Delete those entries too. */
  | 'DELETE'
  /** Remove the trust domain from those entries' `federatesWith`. */
  | 'DISSOCIATE';

/** How a federated trust domain's bundle endpoint is authenticated. */
export type BundleEndpointProfile = 'https_web' | 'https_spiffe';

/** A federation relationship (SPIRE's `FederationRelationship`). */
export interface FederationRelationship {
  trustDomain: string;
  bundleEndpointUrl: string;
  bundleEndpointProfile: BundleEndpointProfile;
  /** SPIFFE ID of the bundle endpoint server; required for `https_spiffe`. */
  endpointSpiffeId?: string;
  /** On write: a bundle to store (upsert) for the trust domain. On read: the stored bundle, if any. */
  trustDomainBundle?: SpiffeBundle;
}

/** Fields of a federation relationship `updateFederationRelationship` writes; `undefined` = every field. */
export type FederationRelationshipMask = Partial<
  Record<'bundleEndpointUrl' | 'bundleEndpointProfile' | 'trustDomainBundle', boolean>
>;

/** An entry changed (created, updated or deleted); written in the same transaction as the change. */
export interface EntryEvent {
  /** Monotonically increasing (gaps possible on Postgres when transactions roll back). */
  eventId: number;
  entryId: string;
  /** Unix seconds. */
  createdAt: number;
}

/** A node or its selectors changed; written in the same transaction as the change. */
export interface NodeEvent {
  eventId: number;
  spiffeId: string;
  createdAt: number;
}

/** Highest event IDs so far (0 when none). */
export interface LatestEventIds {
  entry: number;
  node: number;
}
