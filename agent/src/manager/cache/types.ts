import type { Selector } from '@lanyard/attestor-core';
import type { SpiffeBundle } from '@lanyard/spiffe';

/**
 * A registration entry the agent may serve, as the node side received it from the server
 * (`SyncAuthorizedEntries`). Immutable: replace the whole object when the entry changes.
 */
export interface WorkloadEntry {
  /** Entry ID assigned by the server. */
  readonly entryId: string;
  /** SPIFFE ID of the identity (`spiffe://td/path`). */
  readonly spiffeId: string;
  /** Workload selectors; the entry matches callers whose selectors are a superset of these. */
  readonly selectors: readonly Selector[];
  /** Operator hint (`internal`); `''` when unset. */
  readonly hint: string;
  /** Trust domain names (no scheme) whose bundles the workload receives as federated bundles. */
  readonly federatesWith: readonly string[];
  /** Server revision number; a change means SVIDs issued for an older revision are stale. */
  readonly revision: number;
  /** Creation time in seconds since the epoch (hint de-duplication keeps the oldest entry). */
  readonly createdAt: number;
  /** The entry grants admin rights on the server; never handed out through the Delegated Identity API. */
  readonly admin?: boolean;
  /** The entry is for a downstream server; never handed out through the Delegated Identity API. */
  readonly downstream?: boolean;
  /** Created with `-storeSVID`: its SVID goes to an SVIDStore plugin, never to workloads. */
  readonly storeSvid?: boolean;
  /** `additional_attributes.disable_x509_svid_prefetch`: sign its X.509-SVID only once a workload asks. */
  readonly disableX509SvidPrefetch?: boolean;
  /** `additional_attributes.jwt_svid_include_jti`: every JWT-SVID is minted fresh (never from the cache). */
  readonly jwtSvidIncludeJti?: boolean;
}

/**
 * An X.509-SVID held in the cache for one entry. The DER is stored once (views into the cache's DER arena, not
 * the caller's buffers); no parsed certificate or key object is kept (`svidPrivateKey` makes one on demand).
 */
export interface X509SvidMaterial {
  /** Certificates, leaf first then intermediates, DER each (views into {@link chainDer}). */
  readonly certChainDer: readonly Buffer[];
  /** The same certificates concatenated (the Workload API's `x509_svid`). */
  readonly chainDer: Buffer;
  /** The leaf's private key as unencrypted PKCS#8 DER (the Workload API's `x509_svid_key`). */
  readonly privateKeyDer: Buffer;
  /** Leaf notBefore. */
  readonly issuedAt: Date;
  /** Leaf notAfter. */
  readonly expiresAt: Date;
  /**
   * When the agent asks for a replacement (see `RotationStrategy`): at half-life less a random 0–10% of the
   * half-life, or earlier when `availability_target` asks for more remaining validity, jittered so SVIDs issued
   * together do not all come up for renewal in the same sync.
   */
  readonly renewAt: Date;
  /** Revision of the entry this SVID was issued for. */
  readonly entryRevision: number;
}

/** One identity served to a workload: the entry and its current SVID. */
export interface Identity {
  readonly entry: WorkloadEntry;
  readonly svid: X509SvidMaterial;
}

/** What one subscriber (a Workload API caller's selector set) currently sees. */
export interface WorkloadUpdate {
  /** Entries matching the caller, with SVIDs, ordered by entry ID, duplicate hints removed. */
  readonly identities: readonly Identity[];
  /** Entries matching the caller, with or without an SVID, hint-deduplicated and ordered like `identities`. */
  readonly entries: readonly WorkloadEntry[];
  /** Own trust domain bundle; undefined until the agent has synced with the server. */
  readonly bundle: SpiffeBundle | undefined;
  /** Bundles of the trust domains the matching entries federate with, keyed by trust domain name. */
  readonly federatedBundles: ReadonlyMap<string, SpiffeBundle>;
}
