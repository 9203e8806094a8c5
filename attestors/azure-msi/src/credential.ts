import { readFile } from 'node:fs/promises';
import type { TokenCredential } from '@azure/core-auth';
import {
  ClientAssertionCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  type TokenCredentialOptions,
} from '@azure/identity';
import { UnavailableError } from '@lanyard/base';
import type { AzureEndpoints } from './endpoints';
import { sdkClientOptions } from './sdk-options';

/**
 * An Entra ID app registration the server calls ARM as: with a client secret (azure_msi's `app_id`/`app_secret`,
 * azure_imds's `secret_auth`) or with a client assertion, a JWT read from `assertionPath` on every token request
 * (azure_imds's `token_auth`).
 */
export type AppCredential =
  | { readonly appId: string; readonly appSecret: string }
  | { readonly appId: string; readonly assertionPath: string };

/**
 * The `@azure/identity` credential for ARM calls in `tenantId`, as SPIRE picks it: `ClientSecretCredential` or
 * `ClientAssertionCredential` for an app registration, otherwise `DefaultAzureCredential` (environment, workload
 * identity, managed identity, developer tools) scoped to the tenant. A configured `authority_host` is passed to the
 * credential (and instance discovery against the public cloud is skipped); otherwise the SDK's default applies,
 * which honours `AZURE_AUTHORITY_HOST`.
 */
export function armCredential(
  tenantId: string,
  app: AppCredential | undefined,
  endpoints: AzureEndpoints,
  plugin: string,
): TokenCredential {
  const options: TokenCredentialOptions & { disableInstanceDiscovery?: boolean } = {
    ...sdkClientOptions(endpoints),
    ...(endpoints.customAuthority
      ? { authorityHost: endpoints.authorityHost, disableInstanceDiscovery: true }
      : {}),
  };
  if (app === undefined) return new DefaultAzureCredential({ ...options, tenantId });
  if ('appSecret' in app) return new ClientSecretCredential(tenantId, app.appId, app.appSecret, options);
  const path = app.assertionPath;
  return new ClientAssertionCredential(tenantId, app.appId, () => readAssertion(path, plugin), options);
}

async function readAssertion(path: string, plugin: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (error) {
    throw new UnavailableError(
      `${plugin}: cannot read token_path: ${(error as Error).message}`,
      'ERR_AZURE_ARM',
    );
  }
}
