import { sign } from 'node:crypto';
import { InternalError, UnavailableError } from '@lanyard/base';
import type { GcpIitServerConfig } from './config';
import type { ComputeEngineClaims } from './shared';

const SCOPE = 'https://www.googleapis.com/auth/compute.readonly';
const TIMEOUT_MS = 20_000;

/** What gcp_iit reads from Compute `instances.get`. */
export interface GceInstance {
  readonly tags: string[];
  readonly labels: Record<string, string>;
  readonly metadata: { key: string; value?: string }[];
}

/**
 * Compute Engine API client for `instances.get`, authenticated with an OAuth 2.0 access token from the
 * `service_account_file` key (JWT-bearer grant at its `token_uri`) or, without one, from the GCE metadata server.
 */
export class ComputeClient {
  private token?: { value: string; expiresAt: number };

  constructor(
    private readonly config: Pick<GcpIitServerConfig, 'computeEndpoint' | 'serviceAccount' | 'metadataHost'>,
    private readonly now: () => number,
  ) {}

  /** @throws InternalError when the instance cannot be fetched (naming the HTTP status and Google's message). */
  async getInstance(ce: ComputeEngineClaims): Promise<GceInstance> {
    const path = `projects/${enc(ce.projectId)}/zones/${enc(ce.zone)}/instances/${enc(ce.instanceName)}`;
    const body = await this.request(new URL(path, this.config.computeEndpoint).toString(), {
      headers: { authorization: `Bearer ${await this.accessToken()}` },
    });
    const value = body as { tags?: { items?: unknown }; labels?: unknown; metadata?: { items?: unknown } };
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

  private async accessToken(): Promise<string> {
    if (this.token && this.now() < this.token.expiresAt) return this.token.value;
    const sa = this.config.serviceAccount;
    const answer = sa
      ? await this.request(sa.tokenUri, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
            assertion: this.assertion(sa.clientEmail, sa.privateKeyPem, sa.tokenUri),
          }).toString(),
        })
      : await this.request(
          `http://${this.config.metadataHost}/computeMetadata/v1/instance/service-accounts/default/token`,
          { headers: { 'Metadata-Flavor': 'Google' } },
        );
    const { access_token: value, expires_in: expiresIn } = answer as {
      access_token?: unknown;
      expires_in?: unknown;
    };
    if (typeof value !== 'string')
      throw new InternalError('gcp_iit: token endpoint returned no access_token', 'ERR_GCP_COMPUTE');
    this.token = { value, expiresAt: this.now() + (Number(expiresIn) || 300) * 1000 - 60_000 };
    return value;
  }

  private assertion(email: string, privateKeyPem: string, audience: string): string {
    const iat = Math.floor(this.now() / 1000);
    const encode = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iss: email, scope: SCOPE, aud: audience, iat, exp: iat + 3600 })}`;
    return `${input}.${sign('sha256', Buffer.from(input), privateKeyPem).toString('base64url')}`;
  }

  private async request(url: string, init: RequestInit): Promise<unknown> {
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
      text = await res.text();
    } catch (error) {
      throw new UnavailableError(
        `gcp_iit: request to ${new URL(url).origin} failed: ${(error as Error).message}`,
        'ERR_GCP_COMPUTE',
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const message = (body as { error?: { message?: string } | string } | undefined)?.error;
      const detail = typeof message === 'string' ? message : (message?.message ?? text.slice(0, 200));
      throw new InternalError(
        `gcp_iit: failed to fetch instance metadata: HTTP ${res.status}: ${detail}`,
        'ERR_GCP_COMPUTE',
      );
    }
    return body;
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}
