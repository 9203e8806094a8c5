import { randomBytes, randomUUID } from 'node:crypto';
import type { FakeAzureApis } from './azure-apis';
import { mintManagedIdentityToken } from './azure-mi-token';
import { HttpFake, type FakeResponse, type RecordedRequest, json } from './http-fake';

/** The managed identity an App Service / Functions app runs as. */
export interface FakeAppServiceIdentityConfig {
  tenantId: string;
  /** Object ID of the identity (`oid`). */
  principalId: string;
  /** Application (client) ID of the identity, echoed as `client_id`. */
  clientId: string;
}

const TOKEN_PATH = '/msi/token';
const API_VERSION = '2019-08-01';

/**
 * Loopback fake of the App Service / Azure Functions managed-identity endpoint: point `IDENTITY_ENDPOINT` at
 * {@link endpoint} and `IDENTITY_HEADER` at {@link identityHeader}. `GET /msi/token?resource=…&api-version=2019-08-01`
 * with `X-IDENTITY-HEADER` answers `{ access_token, expires_on, resource, token_type, client_id }` with an Entra ID
 * token signed by {@link FakeAzureApis.tokenSigner} (the tenant is registered with the fake so its discovery
 * answers). A missing or wrong header, api-version or resource gets App Service's 400/401 answers.
 */
export class FakeAppServiceIdentity extends HttpFake {
  /** The secret App Service puts in `IDENTITY_HEADER`. */
  readonly identityHeader = randomBytes(16).toString('hex');
  identity: FakeAppServiceIdentityConfig = {
    tenantId: '3f6c1a52-2b8e-4d0e-9c6a-5a1e2d3c4b5a',
    principalId: randomUUID(),
    clientId: randomUUID(),
  };
  /** Token format the resource app accepts (`accessTokenAcceptedVersion`); managed identities get v1 by default. */
  tokenVersion: '1.0' | '2.0' = '1.0';
  /** Seconds added to "now" for token timestamps (negative → already expired). */
  clockOffsetSeconds = 0;

  constructor(private readonly apis: FakeAzureApis) {
    super((req, url) => this.route(req, url));
  }

  /** The `IDENTITY_ENDPOINT` value (available after `start()`). */
  get endpoint(): string {
    return `${this.url}${TOKEN_PATH}`;
  }

  private route(req: RecordedRequest, url: URL): FakeResponse {
    if (req.path !== TOKEN_PATH || req.method !== 'GET') return json(404, { error: 'not found' });
    const header = req.headers['x-identity-header'];
    if (header === undefined) {
      return json(400, { statusCode: 400, message: 'The X-IDENTITY-HEADER header is missing.' });
    }
    if (header !== this.identityHeader) {
      return json(401, { statusCode: 401, message: 'The X-IDENTITY-HEADER header is not valid.' });
    }
    if (url.searchParams.get('api-version') !== API_VERSION) {
      return json(400, { statusCode: 400, message: `api-version must be ${API_VERSION}.` });
    }
    const resource = url.searchParams.get('resource');
    if (!resource) return json(400, { statusCode: 400, message: 'The resource parameter is required.' });
    this.apis.tenants.add(this.identity.tenantId);
    const token = mintManagedIdentityToken(this.apis.tokenSigner, {
      tenantId: this.identity.tenantId,
      principalId: this.identity.principalId,
      resource,
      nowSeconds: Math.floor(Date.now() / 1000) + this.clockOffsetSeconds,
      version: this.tokenVersion,
    });
    return json(200, {
      access_token: token.accessToken,
      expires_on: String(token.expiresOn),
      resource,
      token_type: 'Bearer',
      client_id: this.identity.clientId,
    });
  }
}
