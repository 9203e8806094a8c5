import { randomUUID } from 'node:crypto';
import { type SigningIdentity, signRs256Jwt } from './signing-identity';

/** What a managed-identity access token is minted for. */
export interface ManagedIdentityTokenRequest {
  readonly tenantId: string;
  /** Object ID of the managed identity (`oid` and `sub`). */
  readonly principalId: string;
  /** The resource (app ID URI) asked for: the token's `aud`. */
  readonly resource: string;
  /** Issue time in unix seconds. */
  readonly nowSeconds: number;
  /** Lifetime in seconds (Entra ID gives managed identities 24 h). */
  readonly lifetimeSeconds?: number;
  /** Token format: v1 (`iss` sts.windows.net, the default for managed identities) or v2. */
  readonly version?: '1.0' | '2.0';
  /** ARM resource ID of the identity's host (`xms_mirid`), when known. */
  readonly resourceId?: string;
}

/** A minted token with the fields the IMDS and App Service token answers carry. */
export interface ManagedIdentityToken {
  readonly accessToken: string;
  readonly expiresOn: number;
  readonly notBefore: number;
  readonly lifetimeSeconds: number;
}

/**
 * Mints an Entra ID access token for a managed identity, signed RS256 by `signer` (the key Entra's JWKS publishes):
 * v1 tokens carry `iss` `https://sts.windows.net/<tid>/` and `appid`, v2 tokens
 * `https://login.microsoftonline.com/<tid>/v2.0` and `azp`.
 */
export function mintManagedIdentityToken(
  signer: SigningIdentity,
  request: ManagedIdentityTokenRequest,
): ManagedIdentityToken {
  const now = request.nowSeconds;
  const lifetimeSeconds = request.lifetimeSeconds ?? 86399;
  const v2 = request.version === '2.0';
  const issuer = v2
    ? `https://login.microsoftonline.com/${request.tenantId}/v2.0`
    : `https://sts.windows.net/${request.tenantId}/`;
  const claims: Record<string, unknown> = {
    aud: request.resource,
    iss: issuer,
    iat: now,
    nbf: now,
    exp: now + lifetimeSeconds,
    [v2 ? 'azp' : 'appid']: randomUUID(),
    idp: issuer,
    oid: request.principalId,
    sub: request.principalId,
    tid: request.tenantId,
    ver: request.version ?? '1.0',
  };
  if (request.resourceId) claims.xms_mirid = request.resourceId;
  return {
    accessToken: signRs256Jwt(signer, claims),
    expiresOn: now + lifetimeSeconds,
    notBefore: now,
    lifetimeSeconds,
  };
}
