import { InternalError, UnavailableError } from '@lanyard/base';
import { GoogleAuth } from 'google-auth-library';
import type { GcpIitServerConfig } from './config';
import type { ComputeEngineClaims } from './shared';

/** The scope `instances.get` needs. */
export const COMPUTE_READONLY_SCOPE = 'https://www.googleapis.com/auth/compute.readonly';
const TIMEOUT_MS = 20_000;

/** What gcp_iit reads from Compute `instances.get`. */
export interface GceInstance {
  readonly tags: string[];
  readonly labels: Record<string, string>;
  readonly metadata: { key: string; value?: string }[];
}

/**
 * Compute Engine API client for `instances.get`, authenticated by google-auth-library: the
 * `service_account_file` key when set, otherwise Application Default Credentials (`GOOGLE_APPLICATION_CREDENTIALS`,
 * gcloud's well-known file, then the GCE metadata server, which honours `GCE_METADATA_HOST`). A service account key
 * signs its own scoped JWT access tokens, as Google's generated API clients do, so no token exchange is needed.
 */
export class ComputeClient {
  private readonly auth: GoogleAuth;

  constructor(private readonly config: Pick<GcpIitServerConfig, 'computeEndpoint' | 'serviceAccount'>) {
    const key = config.serviceAccount?.json;
    this.auth = new GoogleAuth({
      scopes: [COMPUTE_READONLY_SCOPE],
      credentials: key,
      // The key names its project; without it the library would probe gcloud and the metadata server for one.
      projectId: typeof key?.project_id === 'string' ? key.project_id : undefined,
      // Node's own fetch: gaxios would otherwise load node-fetch with a dynamic ES module import.
      clientOptions: { transporterOptions: { fetchImplementation: fetch } },
    });
    this.auth.useJWTAccessWithScope = true;
  }

  /**
   * @throws InternalError when Google answers with an error (naming the HTTP status and Google's message);
   * UnavailableError when no credentials are found or the API cannot be reached.
   */
  async getInstance(ce: ComputeEngineClaims): Promise<GceInstance> {
    const path = `projects/${enc(ce.projectId)}/zones/${enc(ce.zone)}/instances/${enc(ce.instanceName)}`;
    const url = new URL(path, this.config.computeEndpoint).toString();
    let body: unknown;
    try {
      body = (await this.auth.request({ url, timeout: TIMEOUT_MS, responseType: 'json' })).data;
    } catch (error) {
      throw describeFailure(error);
    }
    const value = (body ?? {}) as {
      tags?: { items?: unknown };
      labels?: unknown;
      metadata?: { items?: unknown };
    };
    return {
      tags: Array.isArray(value.tags?.items) ? value.tags.items.map(String) : [],
      labels:
        typeof value.labels === 'object' && value.labels !== null
          ? (value.labels as Record<string, string>)
          : {},
      metadata: Array.isArray(value.metadata?.items)
        ? (value.metadata.items as { key: string; value?: string }[])
        : [],
    };
  }
}

/**
 * Maps a google-auth-library failure to a typed error without echoing request headers: an HTTP answer (gaxios
 * puts it on `error.response`) names the status and Google's message; anything else is a reachability problem.
 */
function describeFailure(error: unknown): Error {
  const response = (error as { response?: { status?: unknown; data?: unknown } } | undefined)?.response;
  if (typeof response?.status === 'number') {
    const data = response.data as { error?: { message?: string } | string } | string | undefined;
    const inner = typeof data === 'object' ? data?.error : undefined;
    const detail =
      typeof inner === 'string'
        ? inner
        : (inner?.message ?? (typeof data === 'string' ? data.slice(0, 200) : 'no error message'));
    return new InternalError(
      `gcp_iit: failed to fetch instance metadata: HTTP ${response.status}: ${detail}`,
      'ERR_GCP_COMPUTE',
    );
  }
  return new UnavailableError(
    `gcp_iit: failed to fetch instance metadata: ${(error as Error).message}`,
    'ERR_GCP_COMPUTE',
  );
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}
