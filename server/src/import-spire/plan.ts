/**
 * The import plan: SPIRE's rows converted to Lanyard's datastore values, what is skipped and why, and the CA
 * to bring over. Nothing is written here; `-dryRun` prints the plan's report and stops.
 */
import { FailedPreconditionError } from '@lanyard/base';
import { bundleFromWire } from '@lanyard/common';
import { TrustDomain, type SpiffeBundle } from '@lanyard/spiffe';
import type { FederationRelationship, JoinToken, NewAttestedNode, NewRegistrationEntry } from '../datastore';
import { planCaImport, type CaImport } from './spire-ca';
import type { SpireBundle } from './spire-protos';
import type { SpireSnapshot } from './spire-snapshot';
import type { KeyObject } from 'node:crypto';

/** One row left behind, with the reason. */
export interface SkippedRow {
  kind: 'join token' | 'federation relationship';
  id: string;
  reason: string;
}

/** Everything the import would write. */
export interface ImportPlan {
  trustDomain: string;
  schemaVersion: number;
  entries: NewRegistrationEntry[];
  nodes: NewAttestedNode[];
  joinTokens: JoinToken[];
  bundles: SpiffeBundle[];
  relationships: FederationRelationship[];
  ca: CaImport;
  skipped: SkippedRow[];
}

function toBundle(bundle: SpireBundle): SpiffeBundle {
  const td = TrustDomain.parse(bundle.trustDomainId);
  return bundleFromWire(
    {
      trust_domain: td.name,
      x509_authorities: bundle.rootCas.map((c) => ({ asn1: c.derBytes, tainted: c.taintedKey })),
      jwt_authorities: bundle.jwtSigningKeys.map((k) => ({
        public_key: k.pkixBytes,
        key_id: k.kid,
        expires_at: k.notAfter,
        tainted: k.taintedKey,
      })),
      refresh_hint: bundle.refreshHint,
      sequence_number: bundle.sequenceNumber,
    },
    td,
  );
}

function toEntry(e: SpireSnapshot['entries'][number]): NewRegistrationEntry {
  return {
    id: e.entryId,
    spiffeId: e.spiffeId,
    parentId: e.parentId,
    selectors: e.selectors,
    x509SvidTtl: e.x509SvidTtl,
    jwtSvidTtl: e.jwtSvidTtl,
    dnsNames: e.dnsNames,
    federatesWith: e.federatesWith,
    admin: e.admin,
    downstream: e.downstream,
    expiresAt: e.expiresAt,
    storeSvid: e.storeSvid,
    hint: e.hint,
    jwtSvidIncludeJti: e.jwtSvidIncludeJti,
    disableX509SvidPrefetch: e.disableX509SvidPrefetch,
  };
}

function toNode(n: SpireSnapshot['nodes'][number]): NewAttestedNode {
  return {
    spiffeId: n.spiffeId,
    attestationDataType: n.dataType,
    certSerialNumber: n.serialNumber,
    certNotAfter: n.expiresAt,
    newCertSerialNumber: n.newSerialNumber,
    newCertNotAfter: n.newExpiresAt,
    canReattest: n.canReattest,
    agentVersion: n.agentVersion,
    selectors: n.selectors,
  };
}

function toRelationships(snapshot: SpireSnapshot, skipped: SkippedRow[]): FederationRelationship[] {
  return snapshot.relationships.flatMap((r): FederationRelationship[] => {
    const profile = r.bundleEndpointProfile;
    if (profile !== 'https_web' && profile !== 'https_spiffe') {
      skipped.push({
        kind: 'federation relationship',
        id: r.trustDomain,
        reason: `unknown profile "${profile}"`,
      });
      return [];
    }
    return [
      {
        trustDomain: r.trustDomain,
        bundleEndpointUrl: r.bundleEndpointUrl,
        bundleEndpointProfile: profile,
        endpointSpiffeId: profile === 'https_spiffe' ? r.endpointSpiffeId : undefined,
      },
    ];
  });
}

/** Builds the plan for `trustDomain` (Lanyard's configured one, which must be SPIRE's too). */
export function planImport(
  snapshot: SpireSnapshot,
  keys: Map<string, KeyObject>,
  trustDomain: string,
  nowSeconds: number,
): ImportPlan {
  const bundles = snapshot.bundles.map(toBundle);
  const own = bundles.find((b) => b.trustDomain.name === trustDomain);
  if (!own)
    throw new FailedPreconditionError(
      `the SPIRE datastore has no bundle for trust domain "${trustDomain}" (it holds: ${bundles.map((b) => b.trustDomain.name).join(', ') || 'none'}); the Lanyard config must name SPIRE's trust domain`,
    );
  if (!snapshot.journal)
    throw new FailedPreconditionError(
      'the SPIRE datastore has no ca_journals row (SPIRE 1.8 or later writes one)',
    );
  const skipped: SkippedRow[] = [];
  const joinTokens = snapshot.joinTokens.filter((t) => {
    if (t.expiresAt > nowSeconds) return true;
    skipped.push({ kind: 'join token', id: '(secret)', reason: 'expired' });
    return false;
  });
  return {
    trustDomain,
    schemaVersion: snapshot.schemaVersion,
    entries: snapshot.entries.map(toEntry),
    nodes: snapshot.nodes.map(toNode),
    joinTokens,
    bundles,
    relationships: toRelationships(snapshot, skipped),
    ca: planCaImport(snapshot.journal, keys, own, trustDomain),
    skipped,
  };
}
