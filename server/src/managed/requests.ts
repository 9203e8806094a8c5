/**
 * The three endpoints of the managed-workloads protocol (docs/managed-workloads.md): verify the proof, limit the
 * caller, find its entries, issue; every decision goes to the audit trail.
 */
import { InvalidArgumentError, LanyardError, UnimplementedError } from '@lanyard/base';
import type { TrailRecorder } from '@lanyard/common';
import { SpiffeBundle } from '@lanyard/spiffe';
import type { ServerCaApi } from '../ca/types';
import { type ManagedCaller, MANAGED_CLOUDS, type ManagedCloud } from './identity';
import { type ManagedIssuer, callerFields } from './issuer';
import { optionalString, requireObject, requireString } from './proof-input';
import type { ManagedRateLimiter } from './rate-limiter';

/** Verifies one cloud's proofs. */
export interface ProofVerifier {
  verify(proof: Record<string, unknown>): Promise<ManagedCaller>;
}

/** What {@link ManagedRequests} needs. */
export interface ManagedRequestsDeps {
  readonly verifiers: Partial<Record<ManagedCloud, ProofVerifier>>;
  readonly issuer: ManagedIssuer;
  readonly limiter: ManagedRateLimiter;
  readonly ca: ServerCaApi;
  readonly trustDomain: string;
  /** The trust domain's stored bundle (authorities and sequence number), as the bundle endpoint serves it. */
  readonly currentBundle: () => Promise<SpiffeBundle>;
  readonly trail?: TrailRecorder;
  /** `disable_jwt_svids`. */
  readonly disableJwtSvids?: boolean;
}

const MAX_AUDIENCES = 16;
const DEFAULT_REFRESH_HINT_SECONDS = 300;
const MAX_CSR_BASE64 = 16 * 1024;

/** Handles decoded request bodies; answers are JSON-ready objects. */
export class ManagedRequests {
  constructor(private readonly deps: ManagedRequestsDeps) {}

  /** `POST /v1/managed/jwt-svid`. */
  async jwtSvid(body: unknown): Promise<unknown> {
    return this.decide('jwt-svid', body, async (request, caller, spiffeId) => {
      if (this.deps.disableJwtSvids)
        throw new UnimplementedError('JWT-SVIDs are disabled on this server', 'ERR_JWT_DISABLED');
      const audience = audienceOf(request.audience);
      const entries = this.deps.issuer.entriesFor(caller, spiffeId);
      return { svids: await this.deps.issuer.jwtSvids(caller, entries, audience) };
    });
  }

  /** `POST /v1/managed/x509-svid`. */
  async x509Svid(body: unknown): Promise<unknown> {
    return this.decide('x509-svid', body, async (request, caller, spiffeId) => {
      const csr = Buffer.from(requireString(request.csr, 'csr', MAX_CSR_BASE64), 'base64');
      if (csr.length === 0) throw new InvalidArgumentError('csr must be base64 DER', 'ERR_MANAGED_REQUEST');
      this.deps.ca.parseCsr(csr);
      const entries = this.deps.issuer.entriesFor(caller, spiffeId);
      const svids = await this.deps.issuer.x509Svids(caller, entries, csr);
      const bundle = await this.deps.currentBundle();
      return {
        svids,
        bundle: {
          trust_domain: this.deps.trustDomain,
          x509_authorities: bundle.x509Authorities.map((cert) => cert.raw.toString('base64')),
        },
      };
    });
  }

  /** `GET /v1/managed/bundle`: the trust domain's SPIFFE bundle document. */
  async bundle(): Promise<string> {
    const current = await this.deps.currentBundle();
    return new SpiffeBundle({
      trustDomain: current.trustDomain,
      x509Authorities: current.x509Authorities,
      jwtAuthorities: current.jwtAuthorities,
      sequenceNumber: current.sequenceNumber ?? 0,
      refreshHint: current.refreshHint ?? DEFAULT_REFRESH_HINT_SECONDS,
    }).marshal();
  }

  /** Verifies, limits and runs `issue`; records the outcome (allowed events are written by the issuer). */
  private async decide(
    endpoint: string,
    body: unknown,
    issue: (request: Record<string, unknown>, caller: ManagedCaller, spiffeId?: string) => Promise<unknown>,
  ): Promise<unknown> {
    let caller: ManagedCaller | undefined;
    let spiffeId: string | undefined;
    try {
      const request = requireObject(body, 'request body');
      spiffeId = optionalString(request.spiffe_id, 'spiffe_id');
      caller = await this.verify(requireObject(request.proof, 'proof'));
      this.deps.limiter.take(caller.principal);
      return await issue(request, caller, spiffeId);
    } catch (err) {
      this.deny(endpoint, err, caller, spiffeId);
      throw err;
    }
  }

  private async verify(proof: Record<string, unknown>): Promise<ManagedCaller> {
    const type = proof.type;
    if (typeof type !== 'string' || !(MANAGED_CLOUDS as readonly string[]).includes(type)) {
      throw new InvalidArgumentError(
        `proof.type must be one of ${MANAGED_CLOUDS.join(', ')}`,
        'ERR_MANAGED_REQUEST',
      );
    }
    const verifier = this.deps.verifiers[type as ManagedCloud];
    if (verifier === undefined) {
      throw new InvalidArgumentError(
        `proof type ${type} is not enabled on this server`,
        'ERR_MANAGED_CLOUD_OFF',
      );
    }
    return verifier.verify(proof);
  }

  private deny(
    endpoint: string,
    err: unknown,
    caller: ManagedCaller | undefined,
    spiffeId: string | undefined,
  ): void {
    this.deps.trail?.record({
      event: 'managed_workload_denied',
      spiffe_id: spiffeId ?? '',
      endpoint,
      status_code: err instanceof LanyardError ? err.grpcStatus : 13,
      reason: err instanceof LanyardError ? err.message : 'internal error',
      ...(caller === undefined ? {} : callerFields(caller)),
    });
  }
}

function audienceOf(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidArgumentError('audience must be a non-empty list of strings', 'ERR_AUDIENCE');
  }
  if (value.length > MAX_AUDIENCES)
    throw new InvalidArgumentError(`audience lists more than ${MAX_AUDIENCES} values`, 'ERR_AUDIENCE');
  return value.map((a, i) => requireString(a, `audience[${i}]`, 1024));
}
