/** The `gcp_sa` proof: a Google-signed service-account ID token whose `aud` is this server. */
import { GoogleKeySet } from '@lanyard/attestor-gcp-iit';
import { verifyExternalJwt } from '@lanyard/attestor-core/server';
import type { ManagedGcpSaConfig } from './config';
import { type ManagedCaller, managedSelector } from './identity';
import { TOKEN_LEEWAY_SECONDS, proofError, tokenFailure } from './jwt-proof';
import { requireString } from './proof-input';

const ISSUERS = ['https://accounts.google.com', 'accounts.google.com'];
const SA_EMAIL = /^[^@\s]+@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$/;

/** What {@link GcpSaVerifier} needs besides its config block. */
export interface GcpSaVerifierOptions {
  readonly config: ManagedGcpSaConfig;
  readonly maxProofAgeMs: number;
  readonly now: () => number;
}

/** Verifies `gcp_sa` proofs against Google's published keys (cached per their cache headers). */
export class GcpSaVerifier {
  private readonly keys: GoogleKeySet;

  constructor(private readonly options: GcpSaVerifierOptions) {
    this.keys = new GoogleKeySet(options.config.jwksUrl, options.now, 10_000, 'gcp_sa');
  }

  /** @throws UnauthenticatedError naming what did not verify or match. */
  async verify(proof: Record<string, unknown>): Promise<ManagedCaller> {
    const token = requireString(proof.token, 'proof.token');
    const nowMs = this.options.now();
    const { audience } = this.options.config;
    const claims = await verifyExternalJwt(token, {
      algorithms: ['RS256'],
      key: (kid) => this.keys.key(kid),
      clockToleranceSeconds: TOKEN_LEEWAY_SECONDS,
      nowMs,
      issuers: ISSUERS,
      audience,
      fail: tokenFailure('gcp_sa', { issuer: 'https://accounts.google.com', audience }),
    });
    if (typeof claims.iat !== 'number') throw proofError('gcp_sa', 'token has no iat claim');
    const ageMs = nowMs - claims.iat * 1000;
    if (ageMs > this.options.maxProofAgeMs) {
      throw proofError(
        'gcp_sa',
        `stale: token issued ${Math.floor(ageMs / 1000)}s ago, more than the ${this.options.maxProofAgeMs / 1000}s allowed`,
      );
    }
    const email = claims.email;
    if (typeof email !== 'string' || email === '')
      throw proofError('gcp_sa', 'token has no email claim (request it with format=full)');
    if (claims.email_verified !== true) throw proofError('gcp_sa', `token email ${email} is not verified`);
    const selectors = [managedSelector('gcp_sa', 'email', email)];
    const project = projectOf(claims, email);
    if (project) selectors.push(managedSelector('gcp_sa', 'project', project));
    return { cloud: 'gcp_sa', principal: email, selectors };
  }
}

/** `google.compute_engine.project_id` when present, else the project of a `…@<project>.iam.gserviceaccount.com` email. */
function projectOf(claims: Record<string, unknown>, email: string): string | undefined {
  const google = claims.google as { compute_engine?: { project_id?: unknown } } | undefined;
  const fromClaims = google?.compute_engine?.project_id;
  if (typeof fromClaims === 'string' && fromClaims !== '') return fromClaims;
  return SA_EMAIL.exec(email)?.[1];
}
