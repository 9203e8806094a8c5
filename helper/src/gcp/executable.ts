/**
 * Google's executable-sourced credentials (CLOUD-FEDERATION.md §3.5): the response `google-auth-library` reads
 * from the executable's stdout (or its output file), and the `external_account` file that points at it.
 */

/** Token types the executable may be asked for; a JWT-SVID fits both. */
export const GCP_TOKEN_TYPE_JWT = 'urn:ietf:params:oauth:token-type:jwt';
const GCP_TOKEN_TYPE_ID_TOKEN = 'urn:ietf:params:oauth:token-type:id_token';

/** A successful executable response. */
export interface ExecutableSuccess {
  readonly version: 1;
  readonly success: true;
  readonly token_type: string;
  readonly id_token: string;
  /** Unix seconds. */
  readonly expiration_time: number;
}

/** A failed executable response (`code` and `message` are both required by the library). */
export interface ExecutableFailure {
  readonly version: 1;
  readonly success: false;
  readonly code: string;
  readonly message: string;
}

/** The token type to answer with: the one Google asked for when it is a JWT type, else `…:jwt`. */
export function executableTokenType(requested: string | undefined): string {
  return requested === GCP_TOKEN_TYPE_ID_TOKEN ? GCP_TOKEN_TYPE_ID_TOKEN : GCP_TOKEN_TYPE_JWT;
}

/** The success response for `token` expiring at `expiry`. */
export function executableSuccess(token: string, expiry: Date, tokenType: string): ExecutableSuccess {
  return {
    version: 1,
    success: true,
    token_type: tokenType,
    id_token: token,
    expiration_time: Math.floor(expiry.getTime() / 1000),
  };
}

/** The failure response. */
export function executableFailure(code: string, message: string): ExecutableFailure {
  return { version: 1, success: false, code, message };
}

const AUDIENCE =
  /^(?:\/\/|https:\/\/)iam\.googleapis\.com\/projects\/[^/]+\/locations\/global\/workloadIdentityPools\/[^/]+\/providers\/[^/]+$/;

/** Whether `audience` is a workload identity provider's full resource name (`//` or `https://` form). */
export function isWorkloadProviderAudience(audience: string): boolean {
  return AUDIENCE.test(audience);
}
