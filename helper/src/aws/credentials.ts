/** Temporary AWS credentials and the two JSON shapes SDKs read them in. */

/** A set of temporary AWS credentials. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** RFC 3339 / ISO-8601 UTC. */
  readonly expiration: string;
}

/** The `credential_process` output (Version 1) the SDKs parse from stdout. */
export function credentialProcessJson(credentials: AwsCredentials): string {
  return JSON.stringify({
    Version: 1,
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    SessionToken: credentials.sessionToken,
    Expiration: credentials.expiration,
  });
}

/** The container-credentials endpoint answer (`Token`, not `SessionToken`). */
export function containerCredentialsJson(credentials: AwsCredentials): string {
  return JSON.stringify({
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    Token: credentials.sessionToken,
    Expiration: credentials.expiration,
  });
}
