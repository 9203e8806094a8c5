import { type AzureEndpoints, getJsonObject } from '@lanyard/attestor-azure-msi/server';
import { InvalidArgumentError } from '@lanyard/base';
import { AZURE_IMDS_PLUGIN_NAME } from './shared';

const ISSUER = /^https:\/\/sts\.windows\.net\/([^/]+)\/$/;

/**
 * Resolves a tenant domain (`contoso.onmicrosoft.com`) to its tenant ID through Entra ID's OIDC discovery
 * document, whose issuer is `https://sts.windows.net/<tenant id>/` (as SPIRE does at configure time).
 * @throws InvalidArgumentError naming the domain when the lookup fails.
 */
export async function lookupTenantId(endpoints: AzureEndpoints, domain: string): Promise<string> {
  const url = `${endpoints.authorityHost}/${encodeURIComponent(domain)}/.well-known/openid-configuration`;
  let issuer: unknown;
  try {
    issuer = (await getJsonObject(url, 10_000, endpoints.tlsSettings)).issuer;
  } catch (error) {
    throw new InvalidArgumentError(
      `${AZURE_IMDS_PLUGIN_NAME}: unable to lookup tenant ID for "${domain}": ${(error as Error).message}`,
      'ERR_PLUGIN_CONFIG',
    );
  }
  const match = typeof issuer === 'string' ? ISSUER.exec(issuer) : null;
  if (!match) {
    throw new InvalidArgumentError(
      `${AZURE_IMDS_PLUGIN_NAME}: malformed tenant ID issuer ${JSON.stringify(issuer)} for "${domain}"`,
      'ERR_PLUGIN_CONFIG',
    );
  }
  return match[1];
}
