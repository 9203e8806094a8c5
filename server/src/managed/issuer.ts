/**
 * Issues SVIDs to a verified managed caller: the entries parented to its cloud's managed parent whose selectors
 * it holds, through the CA signing path the agent APIs use (and the same global signing limiter).
 */
import { InvalidArgumentError, PermissionDeniedError } from '@lanyard/base';
import type { TrailRecorder } from '@lanyard/common';
import type { SigningLimiter } from '../api/svid/signing-limiter';
import { jwtSvidMinted, x509SvidIssued } from '../audit/trail-fields';
import type { EntryCache } from '../authorized-entries/entry-cache';
import type { ServerCaApi } from '../ca/types';
import type { RegistrationEntry } from '../datastore/types';
import { type ManagedCaller, managedParentId } from './identity';

/** One issued JWT-SVID as the protocol returns it. */
export interface ManagedJwtSvid {
  readonly spiffe_id: string;
  readonly token: string;
  readonly expires_at: number;
}

/** One issued X.509-SVID as the protocol returns it (DER, base64). */
export interface ManagedX509Svid {
  readonly spiffe_id: string;
  readonly cert_chain: string[];
  readonly expires_at: number;
}

/** What {@link ManagedIssuer} needs. */
export interface ManagedIssuerDeps {
  readonly trustDomain: string;
  readonly cache: EntryCache;
  readonly ca: ServerCaApi;
  readonly signingLimiter: SigningLimiter;
  readonly trail?: TrailRecorder;
  /** Lifetimes; 0 = the entry's, else the server default. */
  readonly x509SvidTtlSeconds: number;
  readonly jwtSvidTtlSeconds: number;
  /** `jwt_cloud_audiences`: tokens for these carry a `jti`. */
  readonly jwtCloudAudiences?: ReadonlySet<string>;
}

/** Finds a caller's entries and signs their SVIDs. */
export class ManagedIssuer {
  constructor(private readonly deps: ManagedIssuerDeps) {}

  /**
   * The entries the caller may receive (only `spiffeId`'s when given).
   * @throws PermissionDeniedError naming the parent and selectors when none matches.
   */
  entriesFor(caller: ManagedCaller, spiffeId?: string): RegistrationEntry[] {
    const parent = managedParentId(this.deps.trustDomain, caller.cloud);
    const all = this.deps.cache.childrenMatching(parent, caller.selectors);
    const selectors = caller.selectors.map((s) => `${s.type}:${s.value}`).join(', ');
    if (all.length === 0) {
      throw new PermissionDeniedError(
        `no registration entry under ${parent} matches the caller's selectors [${selectors}]`,
        'ERR_MANAGED_NO_ENTRY',
      );
    }
    if (spiffeId === undefined) return all;
    const wanted = all.filter((e) => e.spiffeId === spiffeId);
    if (wanted.length === 0) {
      throw new PermissionDeniedError(
        `spiffe_id ${spiffeId} is not registered for the caller's selectors [${selectors}]`,
        'ERR_MANAGED_SPIFFE_ID',
      );
    }
    return wanted;
  }

  /** Mints one JWT-SVID per entry (one per distinct SPIFFE ID). */
  async jwtSvids(
    caller: ManagedCaller,
    entries: RegistrationEntry[],
    audience: string[],
  ): Promise<ManagedJwtSvid[]> {
    if (audience.length === 0)
      throw new InvalidArgumentError('audience must list at least one value', 'ERR_AUDIENCE');
    return this.deps.signingLimiter.run(async () =>
      distinctIds(entries).map((entry) => {
        const jwt = this.deps.ca.signJwtSvid({
          spiffeId: entry.spiffeId,
          audience,
          ttlSeconds: this.deps.jwtSvidTtlSeconds || entry.jwtSvidTtl,
          includeJti: entry.jwtSvidIncludeJti || audience.some((a) => this.deps.jwtCloudAudiences?.has(a)),
        });
        this.deps.trail?.record(
          jwtSvidMinted(jwt, audience, { entry_id: entry.id, ...callerFields(caller) }),
        );
        return { spiffe_id: jwt.spiffeId, token: jwt.token, expires_at: jwt.expiresAt };
      }),
    );
  }

  /** Signs one X.509-SVID per entry for the CSR's key (the CSR's subject is ignored). */
  async x509Svids(
    caller: ManagedCaller,
    entries: RegistrationEntry[],
    csrDer: Buffer,
  ): Promise<ManagedX509Svid[]> {
    return this.deps.signingLimiter.run(async () =>
      entries.map((entry) => {
        const svid = this.deps.ca.signX509SvidFromCsr({
          csrDer,
          expectedSpiffeId: entry.spiffeId,
          ttlSeconds: this.deps.x509SvidTtlSeconds || entry.x509SvidTtl,
          dnsNames: entry.dnsNames,
        });
        this.deps.trail?.record(x509SvidIssued(svid, { entry_id: entry.id, ...callerFields(caller) }));
        return {
          spiffe_id: svid.spiffeId,
          cert_chain: svid.certChainDer.map((der) => der.toString('base64')),
          expires_at: svid.expiresAt,
        };
      }),
    );
  }
}

/** Trail fields naming a managed caller (never its proof). */
export function callerFields(caller: ManagedCaller): Record<string, unknown> {
  return {
    managed_cloud: caller.cloud,
    caller_principal: caller.principal,
    caller_selectors: caller.selectors.map((s) => `${s.type}:${s.value}`),
  };
}

function distinctIds(entries: RegistrationEntry[]): RegistrationEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => !seen.has(e.spiffeId) && seen.add(e.spiffeId) !== undefined);
}
