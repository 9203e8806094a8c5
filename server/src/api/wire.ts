/*
 * Wire shapes of the SPIRE server API messages as grpc-js + proto-loader hand them over with the project's
 * loader options (keepCase, int64 as number, enums as names, defaults filled, message fields `null` when
 * unset). Kept local to the API layer so handlers do not depend on generated-type naming.
 */

import type { WireBundle } from '@lanyard/common';

/** `spire.api.types.SPIFFEID`. */
export interface WireSpiffeId {
  trust_domain: string;
  path: string;
}

/** `spire.api.types.Selector`. */
export interface WireSelector {
  type: string;
  value: string;
}

/** Match behaviours of `SelectorMatch` / `FederatesWithMatch`. */
export type WireMatch = 'MATCH_EXACT' | 'MATCH_SUBSET' | 'MATCH_SUPERSET' | 'MATCH_ANY';

/** `spire.api.types.SelectorMatch`. */
export interface WireSelectorMatch {
  selectors: WireSelector[];
  match: WireMatch | number;
}

/** `spire.api.types.FederatesWithMatch`. */
export interface WireFederatesWithMatch {
  trust_domains: string[];
  match: WireMatch | number;
}

/** `spire.api.types.Status`. */
export interface WireStatus {
  code: number;
  message: string;
}

/** `spire.api.types.Entry.AdditionalAttributes`. */
export interface WireAdditionalAttributes {
  disable_x509_svid_prefetch: boolean;
  jwt_svid_include_jti: boolean;
}

/** `spire.api.types.Entry`. */
export interface WireEntry {
  id: string;
  spiffe_id: WireSpiffeId | null;
  parent_id: WireSpiffeId | null;
  selectors: WireSelector[];
  x509_svid_ttl: number;
  federates_with: string[];
  admin: boolean;
  downstream: boolean;
  expires_at: number;
  dns_names: string[];
  revision_number: number;
  store_svid: boolean;
  jwt_svid_ttl: number;
  hint: string;
  created_at: number;
  additional_attributes?: WireAdditionalAttributes | null;
}

/** `spire.api.types.EntryMask` (one flag per field, no `id`). */
export type WireEntryMask = Record<
  | 'spiffe_id'
  | 'parent_id'
  | 'selectors'
  | 'x509_svid_ttl'
  | 'federates_with'
  | 'admin'
  | 'downstream'
  | 'expires_at'
  | 'dns_names'
  | 'revision_number'
  | 'store_svid'
  | 'jwt_svid_ttl'
  | 'hint'
  | 'created_at'
  | 'additional_attributes',
  boolean
>;

/** `spire.api.types.Agent`. */
export interface WireAgent {
  id: WireSpiffeId | null;
  attestation_type: string;
  x509svid_serial_number: string;
  x509svid_expires_at: number;
  selectors: WireSelector[];
  banned: boolean;
  can_reattest: boolean;
  agent_version: string;
}

/** `spire.api.types.AgentMask`. */
export type WireAgentMask = Record<
  | 'attestation_type'
  | 'x509svid_serial_number'
  | 'x509svid_expires_at'
  | 'selectors'
  | 'banned'
  | 'can_reattest'
  | 'agent_version',
  boolean
>;

export type { WireBundle, WireBundleMask, WireJwtKey, WireX509Certificate } from '@lanyard/common';

/** `spire.api.types.X509SVID`. */
export interface WireX509Svid {
  cert_chain: Buffer[];
  id: WireSpiffeId | null;
  expires_at: number;
  hint?: string;
}

/** `spire.api.types.JWTSVID`. */
export interface WireJwtSvid {
  token: string;
  id: WireSpiffeId | null;
  expires_at: number;
  issued_at: number;
  hint?: string;
}

/** `spire.api.types.FederationRelationship`. */
export interface WireFederationRelationship {
  trust_domain: string;
  bundle_endpoint_url: string;
  https_web?: Record<string, never> | null;
  https_spiffe?: { endpoint_spiffe_id: string } | null;
  /** Which oneof member is set (proto-loader `oneofs: true`). */
  bundle_endpoint_profile?: 'https_web' | 'https_spiffe';
  trust_domain_bundle: WireBundle | null;
  /** Lanyard extension (output only): unix seconds of the last refresh attempt. */
  last_refresh_time?: number;
  /** Lanyard extension (output only): why the last refresh failed; '' when it succeeded. */
  last_refresh_error?: string;
}

/** `spire.api.types.FederationRelationshipMask`. */
export type WireFederationRelationshipMask = Record<
  'bundle_endpoint_url' | 'bundle_endpoint_profile' | 'trust_domain_bundle',
  boolean
>;

/** `google.protobuf.StringValue` / `BoolValue`. */
export interface WireValue<T> {
  value: T;
}
