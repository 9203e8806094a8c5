/**
 * The client of the server's `managed_workloads` HTTPS listener (docs/managed-workloads.md): every call makes a
 * fresh proof with the {@link ProofProvider} and asks for JWT-SVIDs, X.509-SVIDs (for a key it generates) or the
 * trust bundle. Stateless; {@link ManagedIdentitySource} adds caching and refresh on top.
 */
import { createCsr } from '@lanyard/base';
import { generateKeyPairSync } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import { ManagedWorkloadError } from '../errors/managed-workload-error';
import type { SpiffeBundle } from '../bundle';
import type { SpiffeId, TrustDomain } from '../id';
import type { JwtSvid } from '../jwt';
import { requestJson, type ManagedEndpoint } from './http';
import type { ProofProvider } from './proof';
import {
  parseBundleResponse,
  parseJwtSvidsResponse,
  parseX509SvidsResponse,
  type ManagedX509Response,
} from './response';

/** Options of {@link ManagedWorkloadClient}. */
export interface ManagedWorkloadClientOptions {
  /** `https://host:port` of the server's `managed_workloads` listener. */
  readonly serverUrl: string | URL;
  /** Makes the proof of the runtime's cloud identity sent with each request. */
  readonly proof: ProofProvider;
  /**
   * TLS options of each connection, e.g. `{ ca: pem }` for a private CA, or `spiffeTlsClientOptions(bundle,
   * authorizeId(serverId))` to authenticate the server by its SPIFFE ID. Default: the system's roots and the
   * URL's host name.
   */
  readonly tls?: ConnectionOptions;
  /** Deadline of each request in ms (default 30 s). */
  readonly timeoutMs?: number;
}

/** What to ask for besides the proof. */
export interface ManagedRequestOptions {
  /** Only this identity (default: every entry the proof matches, first = default). */
  readonly spiffeId?: SpiffeId;
  readonly signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 30_000;

function endpointOf(options: ManagedWorkloadClientOptions): ManagedEndpoint {
  let url: URL;
  try {
    url = new URL(options.serverUrl);
  } catch {
    throw new ManagedWorkloadError(
      'ERR_MANAGED_PARAMS',
      `serverUrl "${String(options.serverUrl)}" is not a URL`,
    );
  }
  if (url.protocol !== 'https:') {
    throw new ManagedWorkloadError('ERR_MANAGED_PARAMS', `serverUrl "${url.href}" must be an https:// URL`);
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new ManagedWorkloadError('ERR_MANAGED_PARAMS', `timeoutMs ${timeoutMs} must be a positive integer`);
  }
  return { url, tls: options.tls, timeoutMs };
}

/**
 * Talks to the server's managed-workloads endpoints.
 *
 * @example
 * ```ts
 * const client = new ManagedWorkloadClient({ serverUrl: 'https://spire.example.org:8444', proof: awsIamProof({ serverId }) });
 * const [svid] = await client.fetchJwtSvids(['api://AzureADTokenExchange']);
 * ```
 */
export class ManagedWorkloadClient {
  private readonly endpoint: ManagedEndpoint;
  private readonly proof: ProofProvider;

  /** @throws ManagedWorkloadError `ERR_MANAGED_PARAMS` for a bad URL or timeout. */
  constructor(options: ManagedWorkloadClientOptions) {
    this.endpoint = endpointOf(options);
    this.proof = options.proof;
  }

  /** The listener's URL. */
  get serverUrl(): URL {
    return this.endpoint.url;
  }

  /**
   * JWT-SVIDs for `audience` (one per matching entry, or the requested `spiffeId`).
   * @throws ManagedWorkloadError, or the server's refusal (PermissionDeniedError: no entry; UnauthenticatedError:
   *   proof invalid, stale or replayed; ResourceExhaustedError: rate limited).
   */
  async fetchJwtSvids(audience: readonly string[], options: ManagedRequestOptions = {}): Promise<JwtSvid[]> {
    if (audience.length === 0 || audience.some((a) => typeof a !== 'string' || a === '')) {
      throw new ManagedWorkloadError('ERR_MANAGED_PARAMS', 'audience must be one or more non-empty strings');
    }
    const proof = await this.proof.getProof(options.signal);
    const body = await requestJson(
      this.endpoint,
      'POST',
      '/v1/managed/jwt-svid',
      { proof, audience, ...(options.spiffeId ? { spiffe_id: options.spiffeId.toString() } : {}) },
      options.signal,
    );
    return parseJwtSvidsResponse(body, audience);
  }

  /**
   * X.509-SVIDs for a new P-256 key (one CSR; one SVID per matching entry, or the requested `spiffeId`) and the
   * trust domain's X.509 authorities. @throws as {@link fetchJwtSvids}.
   */
  async fetchX509Svids(options: ManagedRequestOptions = {}): Promise<ManagedX509Response> {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const csr = createCsr(privateKey, publicKey).toString('base64');
    const proof = await this.proof.getProof(options.signal);
    const body = await requestJson(
      this.endpoint,
      'POST',
      '/v1/managed/x509-svid',
      { proof, csr, ...(options.spiffeId ? { spiffe_id: options.spiffeId.toString() } : {}) },
      options.signal,
    );
    return parseX509SvidsResponse(body, privateKey);
  }

  /** The SPIFFE bundle (X.509 and JWT authorities) of `trustDomain`, the server's own. Needs no proof. */
  async fetchBundle(trustDomain: TrustDomain, signal?: AbortSignal): Promise<SpiffeBundle> {
    const body = await requestJson(this.endpoint, 'GET', '/v1/managed/bundle', undefined, signal);
    return parseBundleResponse(JSON.stringify(body), trustDomain);
  }
}
