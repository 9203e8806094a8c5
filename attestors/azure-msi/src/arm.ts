import { readFile } from 'node:fs/promises';
import { InternalError, UnavailableError } from '@lanyard/base';
import type { AppCredential, AzureEndpoints } from './config';

const TIMEOUT_MS = 20_000;

/**
 * A minimal Azure Resource Manager client: GETs JSON with a Bearer token from the Entra ID client-credentials grant
 * (`<authority>/<tenant>/oauth2/v2.0/token`, scope `<arm>/.default`), cached until shortly before it expires.
 */
export class ArmClient {
  private token?: { value: string; expiresAt: number };

  constructor(
    private readonly app: AppCredential,
    private readonly endpoints: AzureEndpoints,
    private readonly now: () => number,
    private readonly plugin: string,
  ) {}

  /**
   * GET `<arm><path>?api-version=<version>[&extra]` and returns the JSON body.
   * @throws UnavailableError on network failures; InternalError with ARM's error code otherwise.
   */
  async get(
    path: string,
    apiVersion: string,
    query: Record<string, string> = {},
  ): Promise<Record<string, unknown>> {
    const url = new URL(`${this.endpoints.resourceManager}${path}`);
    url.search = new URLSearchParams({ ...query, 'api-version': apiVersion }).toString();
    return this.request(
      url.toString(),
      { headers: { authorization: `Bearer ${await this.accessToken()}` } },
      `GET ${path}`,
    );
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.now() < this.token.expiresAt) return this.token.value;
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.app.appId,
      scope: `${this.endpoints.resourceManager}/.default`,
      ...(await this.clientAuthentication()),
    });
    const answer = await this.request(
      `${this.endpoints.authorityHost}/${encodeURIComponent(this.app.tenantId)}/oauth2/v2.0/token`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
      },
      'client credentials token',
    );
    if (typeof answer.access_token !== 'string')
      throw new InternalError(`${this.plugin}: token endpoint returned no access_token`, 'ERR_AZURE_ARM');
    this.token = {
      value: answer.access_token,
      expiresAt: this.now() + (Number(answer.expires_in) || 300) * 1000 - 60_000,
    };
    return answer.access_token;
  }

  private async clientAuthentication(): Promise<Record<string, string>> {
    if (this.app.assertionPath === undefined) return { client_secret: this.app.appSecret ?? '' };
    let assertion: string;
    try {
      assertion = (await readFile(this.app.assertionPath, 'utf8')).trim();
    } catch (error) {
      throw new UnavailableError(
        `${this.plugin}: cannot read token_path: ${(error as Error).message}`,
        'ERR_AZURE_ARM',
      );
    }
    return {
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    };
  }

  private async request(url: string, init: RequestInit, what: string): Promise<Record<string, unknown>> {
    let res: Response;
    let body: Record<string, unknown> = {};
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
      const text = await res.text();
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = { message: text.slice(0, 200) };
      }
    } catch (error) {
      throw new UnavailableError(
        `${this.plugin}: ${what} failed: ${(error as Error).message}`,
        'ERR_AZURE_ARM',
      );
    }
    if (!res.ok) {
      const error = body.error as { code?: string; message?: string } | string | undefined;
      const detail =
        typeof error === 'string'
          ? `${error}: ${String(body.error_description ?? '')}`
          : `${error?.code ?? ''}: ${error?.message ?? ''}`;
      throw new InternalError(
        `${this.plugin}: ${what} failed: HTTP ${res.status} ${detail}`,
        'ERR_AZURE_ARM',
      );
    }
    return body;
  }
}
