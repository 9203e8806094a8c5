import { TestJwtKey, type JwtSvidClaimsOptions } from '../../test-jwt-key';
import { HttpFake, json, type FakeResponse, type RecordedRequest } from '../cloud/http-fake';

/**
 * A minimal OIDC issuer on loopback for the federation fakes' own tests: `/.well-known/openid-configuration` and
 * `/keys` (JWKS of {@link keys}), and a helper that mints JWT-SVIDs with `iss` set to its URL. The e2e uses the
 * real `lanyard-oidc-discovery-provider` instead.
 */
export class FakeOidcIssuer extends HttpFake {
  /** Published keys; the first one signs what {@link mint} returns. */
  keys: TestJwtKey[];

  constructor(keys: TestJwtKey[] = [new TestJwtKey('issuer-key-1', 'rsa-2048')]) {
    super((req) => this.route(req));
    this.keys = keys;
  }

  /** The issuer URL (`iss` of minted tokens, `issuer` of the discovery document). */
  get issuer(): string {
    return this.url;
  }

  /** Signs a JWT-SVID with `iss` = {@link issuer} (claims can be overridden, e.g. `{ iss: 'x' }`). */
  mint(options: JwtSvidClaimsOptions, key: TestJwtKey = this.keys[0]): string {
    return key.signJwtSvid({ ...options, claims: { iss: this.issuer, ...options.claims } });
  }

  private route(req: RecordedRequest): FakeResponse {
    if (req.method !== 'GET') return { status: 405 };
    if (req.path === '/.well-known/openid-configuration') {
      return json(200, {
        issuer: this.issuer,
        jwks_uri: `${this.issuer}/keys`,
        authorization_endpoint: '',
        response_types_supported: ['id_token'],
        subject_types_supported: [],
        id_token_signing_alg_values_supported: ['RS256', 'ES256', 'ES384'],
      });
    }
    if (req.path === '/keys')
      return json(200, { keys: this.keys.map((k) => ({ ...k.publicJwk(), use: 'sig' })) });
    return { status: 404 };
  }
}
