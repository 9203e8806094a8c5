/** The `azure_mi` proof: an Entra ID managed-identity access token for the configured app ID URI. */
import { OidcKeySet } from '@lanyard/attestor-azure-msi';
import { verifyExternalJwt } from '@lanyard/attestor-core/server';
import type { ManagedAzureMiConfig } from './config';
import { type ManagedCaller, managedSelector } from './identity';
import { TOKEN_LEEWAY_SECONDS, proofError, tokenFailure } from './jwt-proof';
import { requireString } from './proof-input';

/** What {@link AzureMiVerifier} needs besides its config block. */
export interface AzureMiVerifierOptions {
  readonly config: ManagedAzureMiConfig;
  readonly now: () => number;
}

/** Verifies `azure_mi` proofs against each allowed tenant's signing keys (OIDC discovery, cached an hour). */
export class AzureMiVerifier {
  private readonly keySets = new Map<string, OidcKeySet>();

  constructor(private readonly options: AzureMiVerifierOptions) {
    for (const tenant of options.config.tenants) {
      const discovery = `${options.config.authorityHost}/${tenant}/v2.0/.well-known/openid-configuration`;
      this.keySets.set(tenant, new OidcKeySet(discovery, options.now, 'azure_mi'));
    }
  }

  /** @throws UnauthenticatedError naming what did not verify or match. */
  async verify(proof: Record<string, unknown>): Promise<ManagedCaller> {
    const token = requireString(proof.token, 'proof.token');
    const tenant = unverifiedTenant(token);
    const keys = this.keySets.get(tenant);
    if (keys === undefined)
      throw proofError('azure_mi', `tenant "${tenant}" is not one of the allowed tenants`);
    const { appIdUri, appId } = this.options.config;
    const issuers = [
      `https://sts.windows.net/${tenant}/`,
      `https://login.microsoftonline.com/${tenant}/v2.0`,
    ];
    const claims = await verifyExternalJwt(token, {
      algorithms: ['RS256'],
      key: (kid) => keys.key(kid),
      clockToleranceSeconds: TOKEN_LEEWAY_SECONDS,
      nowMs: this.options.now(),
      issuers,
      fail: tokenFailure('azure_mi', { issuer: issuers.join(' or '), audience: appIdUri }),
    });
    if (claims.aud !== appIdUri && (appId === undefined || claims.aud !== appId)) {
      throw proofError('azure_mi', `token audience ${JSON.stringify(claims.aud)} is not ${appIdUri}`);
    }
    if (String(claims.tid).toLowerCase() !== tenant)
      throw proofError('azure_mi', 'token tid does not match its issuer');
    const oid = claims.oid;
    if (typeof oid !== 'string' || oid === '') throw proofError('azure_mi', 'token has no oid claim');
    return {
      cloud: 'azure_mi',
      principal: `${tenant}/${oid}`,
      selectors: [
        managedSelector('azure_mi', 'tenant', tenant),
        managedSelector('azure_mi', 'principal', oid),
      ],
    };
  }
}

/** The `tid` claim before verification (only to pick the tenant's keys; checked again once verified). */
function unverifiedTenant(token: string): string {
  const parts = token.split('.');
  if (parts.length !== 3) throw proofError('azure_mi', 'token is malformed: not a compact JWT');
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw proofError('azure_mi', 'token is malformed: claims are not JSON');
  }
  const tid = (claims as { tid?: unknown } | null)?.tid;
  if (typeof tid !== 'string' || tid === '') throw proofError('azure_mi', 'token has no tid claim');
  return tid.toLowerCase();
}
