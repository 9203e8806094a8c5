/** The environment `@azure/identity`'s `WorkloadIdentityCredential` reads (CLOUD-FEDERATION.md §4.3). */
import { InvalidArgumentError } from '@lanyard/base';

/** The audience Entra expects in federated assertions by default. */
export const AZURE_TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';

/** Inputs of {@link azureEnvironment}. */
export interface AzureEnvOptions {
  readonly tenantId: string;
  readonly clientId: string;
  readonly tokenFile: string;
  readonly authorityHost?: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i;

/** The variables, in a fixed order; throws {@link InvalidArgumentError} naming the bad flag. */
export function azureEnvironment(options: AzureEnvOptions): [string, string][] {
  if (!GUID.test(options.tenantId) && !DOMAIN.test(options.tenantId)) {
    throw new InvalidArgumentError(`tenantId "${options.tenantId}" must be a tenant GUID or domain`);
  }
  if (!GUID.test(options.clientId)) {
    throw new InvalidArgumentError(`clientId "${options.clientId}" must be the application (client) GUID`);
  }
  if (!options.tokenFile.startsWith('/')) {
    throw new InvalidArgumentError(`tokenFile "${options.tokenFile}" must be an absolute path`);
  }
  const vars: [string, string][] = [
    ['AZURE_TENANT_ID', options.tenantId],
    ['AZURE_CLIENT_ID', options.clientId],
    ['AZURE_FEDERATED_TOKEN_FILE', options.tokenFile],
  ];
  if (options.authorityHost !== undefined) vars.push(['AZURE_AUTHORITY_HOST', options.authorityHost]);
  return vars;
}

/** POSIX shell `export` lines, values single-quoted. */
export function shellExports(vars: readonly [string, string][]): string {
  return vars.map(([name, value]) => `export ${name}='${value.replace(/'/g, `'\\''`)}'\n`).join('');
}
