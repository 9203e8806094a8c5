/** The `external_account` credential file `google-auth-library` (and gcloud) read (CLOUD-FEDERATION.md §3.5). */
import { InvalidArgumentError } from '@lanyard/base';
import { GCP_TOKEN_TYPE_JWT, isWorkloadProviderAudience } from './executable';

/** Where the subject token comes from. */
export type SubjectTokenSource =
  | { readonly kind: 'executable'; readonly command: string; readonly timeoutMillis: number }
  | { readonly kind: 'file'; readonly path: string };

/** Inputs of {@link externalAccountConfig}. */
export interface ExternalAccountOptions {
  readonly audience: string;
  readonly source: SubjectTokenSource;
  /** Service account to impersonate (second hop); omitted = direct resource access. */
  readonly serviceAccount?: string;
  /** Default `https://sts.googleapis.com/v1/token`. */
  readonly tokenUrl?: string;
  /** Default `https://iamcredentials.googleapis.com`. */
  readonly iamCredentialsEndpoint?: string;
  readonly tokenLifetimeSeconds?: number;
}

const SERVICE_ACCOUNT = /^[^@\s/]+@[^@\s/]+$/;

/** Builds the JSON object; throws {@link InvalidArgumentError} naming the bad field. */
export function externalAccountConfig(options: ExternalAccountOptions): Record<string, unknown> {
  if (!isWorkloadProviderAudience(options.audience)) {
    throw new InvalidArgumentError(
      `audience "${options.audience}" must be //iam.googleapis.com/projects/<number>/locations/global/` +
        'workloadIdentityPools/<pool>/providers/<provider>',
    );
  }
  if (options.source.kind === 'executable') {
    if (options.source.timeoutMillis < 5000 || options.source.timeoutMillis > 120000) {
      throw new InvalidArgumentError(`timeoutMillis ${options.source.timeoutMillis} must be 5000..120000`);
    }
  }
  const config: Record<string, unknown> = {
    type: 'external_account',
    audience: options.audience,
    subject_token_type: GCP_TOKEN_TYPE_JWT,
    token_url: options.tokenUrl ?? 'https://sts.googleapis.com/v1/token',
    credential_source:
      options.source.kind === 'file'
        ? { file: options.source.path, format: { type: 'text' } }
        : {
            executable: { command: options.source.command, timeout_millis: options.source.timeoutMillis },
          },
  };
  if (options.serviceAccount !== undefined) {
    if (!SERVICE_ACCOUNT.test(options.serviceAccount)) {
      throw new InvalidArgumentError(
        `serviceAccount "${options.serviceAccount}" is not a service account email`,
      );
    }
    const base = (options.iamCredentialsEndpoint ?? 'https://iamcredentials.googleapis.com').replace(
      /\/+$/,
      '',
    );
    config.service_account_impersonation_url = `${base}/v1/projects/-/serviceAccounts/${options.serviceAccount}:generateAccessToken`;
    if (options.tokenLifetimeSeconds !== undefined) {
      config.service_account_impersonation = { token_lifetime_seconds: options.tokenLifetimeSeconds };
    }
  }
  return config;
}
