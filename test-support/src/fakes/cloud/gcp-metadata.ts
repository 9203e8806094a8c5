import { HttpFake, type FakeResponse, type RecordedRequest, json } from './http-fake';
import { type SigningIdentity, signRs256Jwt } from './signing-identity';

/** The instance a {@link FakeGcpMetadata} pretends to be. */
export interface FakeGceIdentity {
  projectId: string;
  projectNumber: number;
  zone: string;
  instanceId: string;
  instanceName: string;
  instanceCreationTimestamp: number;
  /** Service account email behind `default`. */
  serviceAccountEmail: string;
}

/** A sample instance in project `my-project`. */
export function sampleGceIdentity(): FakeGceIdentity {
  return {
    projectId: 'my-project',
    projectNumber: 123456789012,
    zone: 'us-central1-a',
    instanceId: '4242424242424242424',
    instanceName: 'web-1',
    instanceCreationTimestamp: 1764000000,
    serviceAccountEmail: '123456789012-compute@developer.gserviceaccount.com',
  };
}

const INSTANCE = '/computeMetadata/v1/instance';
const PREFIX = `${INSTANCE}/service-accounts/`;

/**
 * Loopback fake of the GCE metadata server: `GET /computeMetadata/v1/instance/service-accounts/<sa>/identity`
 * with `audience` and `format=full|standard` mints an RS256 identity token (iss `https://accounts.google.com`,
 * `google.compute_engine` claims for `full`). Requests without `Metadata-Flavor: Google` or with
 * `X-Forwarded-For` get 403, a missing audience 400, unknown accounts 404. `…/<sa>/token` serves access tokens.
 * `GET /computeMetadata/v1/instance` answers the presence check Google's libraries make, and every answer carries
 * `Metadata-Flavor: Google`, which those libraries require.
 */
export class FakeGcpMetadata extends HttpFake {
  identity: FakeGceIdentity = sampleGceIdentity();
  /** Seconds added to "now" for `iat`/`exp` (negative values mint already-expired tokens). */
  clockOffsetSeconds = 0;
  /** `serverless` (Cloud Run, Functions) leaves out the `google.compute_engine` claims even for `format=full`. */
  platform: 'compute-engine' | 'serverless' = 'compute-engine';

  constructor(
    private readonly signer: SigningIdentity,
    private readonly accessTokens?: () => string,
  ) {
    super((req, url) => {
      const res = this.route(req, url);
      return { ...res, headers: { ...res.headers, 'metadata-flavor': 'Google' } };
    });
  }

  private route(req: RecordedRequest, url: URL): FakeResponse {
    if (req.headers['metadata-flavor'] !== 'Google' || req.headers['x-forwarded-for'] !== undefined) {
      return { status: 403, body: 'Missing Metadata-Flavor:Google header.' };
    }
    if (req.method === 'GET' && (req.path === INSTANCE || req.path === `${INSTANCE}/`))
      return { status: 200, body: 'attributes/\nhostname\nid\nservice-accounts/\nzone\n' };
    if (req.method !== 'GET' || !req.path.startsWith(PREFIX)) return { status: 404, body: 'Not Found' };
    const [account, item] = req.path.slice(PREFIX.length).split('/');
    if (account !== 'default' && account !== this.identity.serviceAccountEmail)
      return { status: 404, body: 'Not Found' };
    if (item === 'token' && this.accessTokens) {
      return json(200, { access_token: this.accessTokens(), expires_in: 3599, token_type: 'Bearer' });
    }
    if (item !== 'identity') return { status: 404, body: 'Not Found' };
    const audience = url.searchParams.get('audience');
    if (!audience) return { status: 400, body: 'non-empty audience parameter required' };
    return { status: 200, body: this.mint(audience, url.searchParams.get('format') === 'full') };
  }

  private mint(audience: string, full: boolean): string {
    const iat = Math.floor(Date.now() / 1000) + this.clockOffsetSeconds;
    const id = this.identity;
    const claims: Record<string, unknown> = {
      iss: 'https://accounts.google.com',
      aud: audience,
      azp: '108000000000000000001',
      sub: '108000000000000000001',
      email: id.serviceAccountEmail,
      email_verified: true,
      iat,
      exp: iat + 3600,
    };
    if (full && this.platform === 'compute-engine') {
      claims.google = {
        compute_engine: {
          project_id: id.projectId,
          project_number: id.projectNumber,
          zone: id.zone,
          instance_id: id.instanceId,
          instance_name: id.instanceName,
          instance_creation_timestamp: id.instanceCreationTimestamp,
        },
      };
    }
    return signRs256Jwt(this.signer, claims);
  }
}
