import type { TokenCredential } from '@azure/core-auth';
import { ComputeManagementClient } from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceManagementClient } from '@azure/arm-resources';
import { InternalError, UnavailableError } from '@lanyard/base';
import type { AzureEndpoints } from './endpoints';
import { sdkClientOptions } from './sdk-options';

/** What an SDK or Entra ID error carries that the attestors report. */
interface AzureFailure {
  name?: string;
  message?: string;
  code?: string;
  statusCode?: number;
  errorResponse?: { error?: string; errorDescription?: string };
  /** The failures of each credential of a chain (`AggregateAuthenticationError`). */
  errors?: AzureFailure[];
}

/**
 * The official ARM clients (`@azure/arm-resources`, `@azure/arm-compute`, `@azure/arm-network`) for one tenant's
 * credential, pointed at `resource_manager_endpoint` with the scope `<endpoint>/.default`. Clients are made once per
 * subscription.
 */
export class ArmClient {
  private readonly clients = new Map<string, unknown>();

  constructor(
    private readonly credential: TokenCredential,
    private readonly endpoints: AzureEndpoints,
    private readonly plugin: string,
  ) {}

  /** Generic resources (`/subscriptions/<id>/resources`). */
  resources(subscriptionId: string): ResourceManagementClient {
    return this.client('resources', subscriptionId, ResourceManagementClient);
  }

  /** Virtual machines, scale sets and scale-set VMs. */
  compute(subscriptionId: string): ComputeManagementClient {
    return this.client('compute', subscriptionId, ComputeManagementClient);
  }

  /** Network interfaces. */
  network(subscriptionId: string): NetworkManagementClient {
    return this.client('network', subscriptionId, NetworkManagementClient);
  }

  /**
   * Runs one ARM operation and maps its failures: an unreachable endpoint or unavailable credential to Unavailable,
   * an error answer from ARM or Entra ID to Internal with its status and code.
   */
  async call<T>(what: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw this.failure(what, error as AzureFailure);
    }
  }

  private client<C>(
    kind: string,
    subscriptionId: string,
    Client: new (credential: TokenCredential, subscriptionId: string, options: Record<string, unknown>) => C,
  ): C {
    const key = `${kind}/${subscriptionId}`;
    let client = this.clients.get(key) as C | undefined;
    if (client === undefined) {
      const endpoint = this.endpoints.resourceManager;
      client = new Client(this.credential, subscriptionId, {
        ...sdkClientOptions(this.endpoints),
        endpoint,
        $host: endpoint,
        credentialScopes: [`${endpoint}/.default`],
      });
      this.clients.set(key, client);
    }
    return client;
  }

  private failure(what: string, error: AzureFailure): InternalError | UnavailableError {
    const prefix = `${this.plugin}: ${what} failed`;
    if (error.name === 'CredentialUnavailableError' || error.name === 'AggregateAuthenticationError') {
      const reasons = (error.errors ?? [error]).map((e) => entraRefusal(e.message ?? '')).join('; ');
      return new UnavailableError(`${prefix}: no credential available: ${reasons}`, 'ERR_AZURE_ARM');
    }
    if (error.name === 'AuthenticationRequiredError')
      return new InternalError(`${prefix}: ${entraRefusal(error.message ?? '')}`, 'ERR_AZURE_ARM');
    if (error.errorResponse?.error !== undefined) {
      const status = error.statusCode === undefined ? '' : `HTTP ${error.statusCode} `;
      const description = firstLine(error.errorResponse.errorDescription ?? '');
      return new InternalError(
        `${prefix}: ${status}${error.errorResponse.error}: ${description}`,
        'ERR_AZURE_ARM',
      );
    }
    if (error.statusCode !== undefined) {
      return new InternalError(
        `${prefix}: HTTP ${error.statusCode} ${error.code ?? ''}: ${firstLine(error.message ?? '')}`,
        'ERR_AZURE_ARM',
      );
    }
    return new UnavailableError(`${prefix}: ${firstLine(error.message ?? String(error))}`, 'ERR_AZURE_ARM');
  }
}

/**
 * MSAL reports Entra ID's refusals as `<code>: Error(s): … - Description: <AADSTS text> - Correlation ID: …`;
 * keeps `<code>: <AADSTS text>`.
 */
function entraRefusal(message: string): string {
  const code = /^([a-z_]+):/.exec(message)?.[1];
  const description = / - Description: (.*?)(?: - Correlation ID:|$)/.exec(firstLine(message))?.[1];
  return code && description ? `${code}: ${description}` : firstLine(message);
}

function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}
