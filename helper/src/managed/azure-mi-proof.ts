/**
 * The Azure proof: an Entra ID access token of the runtime's managed identity for the server's application ID
 * URI, from App Service / Functions' `IDENTITY_ENDPOINT` (with `X-IDENTITY-HEADER`) or else the VM's IMDS, as
 * `@azure/identity`'s `ManagedIdentityCredential` fetches it.
 */
import type { AzureManagedIdentityProof, ProofProvider } from '@lanyard/spiffe/managed';
import { getIdentityDocument, proofError, proofOptionError } from './proof-error';

/** Options of {@link azureManagedIdentityProof}. */
export interface AzureManagedIdentityProofOptions {
  /** The server's application ID URI (or app ID) the token is for. */
  readonly resource: string;
  /** A user-assigned identity's client ID (default: the system-assigned identity). */
  readonly clientId?: string;
  /** App Service endpoint (default `IDENTITY_ENDPOINT`); its secret comes from `identityHeader`/`IDENTITY_HEADER`. */
  readonly identityEndpoint?: string;
  readonly identityHeader?: string;
  /** IMDS base URL when there is no identity endpoint (default `AZURE_POD_IDENTITY_AUTHORITY_HOST`, else
   * `http://169.254.169.254`). */
  readonly imdsEndpoint?: string;
  /** Deadline of the call in ms (default 10 s). */
  readonly timeoutMs?: number;
  /** Environment read for the defaults (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
}

const DEFAULT_IMDS = 'http://169.254.169.254';

function parseUrl(raw: string, name: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw proofOptionError('azure_mi', `${name} "${raw}" is not a URL`);
  }
}

/** The token request for the runtime: App Service when an identity endpoint is configured, else IMDS. */
function tokenRequest(options: AzureManagedIdentityProofOptions): {
  url: URL;
  headers: Record<string, string>;
} {
  const env = options.env ?? process.env;
  const endpoint = options.identityEndpoint ?? env.IDENTITY_ENDPOINT;
  if (endpoint) {
    const secret = options.identityHeader ?? env.IDENTITY_HEADER;
    if (!secret) throw proofOptionError('azure_mi', 'IDENTITY_ENDPOINT is set but IDENTITY_HEADER is not');
    const url = parseUrl(endpoint, 'identityEndpoint');
    url.searchParams.set('api-version', '2019-08-01');
    url.searchParams.set('resource', options.resource);
    if (options.clientId) url.searchParams.set('client_id', options.clientId);
    return { url, headers: { 'X-IDENTITY-HEADER': secret } };
  }
  const base = options.imdsEndpoint ?? (env.AZURE_POD_IDENTITY_AUTHORITY_HOST || DEFAULT_IMDS);
  const url = parseUrl(`${base.replace(/\/+$/, '')}/metadata/identity/oauth2/token`, 'imdsEndpoint');
  url.searchParams.set('api-version', '2018-02-01');
  url.searchParams.set('resource', options.resource);
  if (options.clientId) url.searchParams.set('client_id', options.clientId);
  return { url, headers: { Metadata: 'true' } };
}

/** A {@link ProofProvider} of `azure_mi` proofs. */
export function azureManagedIdentityProof(options: AzureManagedIdentityProofOptions): ProofProvider {
  if (!options.resource) throw proofOptionError('azure_mi', 'resource (the application ID URI) is required');
  const request = tokenRequest(options);
  return {
    type: 'azure_mi',
    async getProof(signal?: AbortSignal): Promise<AzureManagedIdentityProof> {
      const body = await getIdentityDocument(
        'azure_mi',
        request.url,
        request.headers,
        signal,
        options.timeoutMs ?? 10_000,
      );
      let token: unknown;
      try {
        token = (JSON.parse(body) as { access_token?: unknown }).access_token;
      } catch {
        throw proofError('azure_mi', 'the identity endpoint did not answer JSON');
      }
      if (typeof token !== 'string' || token === '') {
        throw proofError('azure_mi', 'the identity endpoint answered no access_token');
      }
      return { type: 'azure_mi', token };
    },
  };
}
