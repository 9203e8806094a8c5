/** One proof provider from flat settings (the `lanyard-helper managed` flags). */
import { ManagedWorkloadError } from '@lanyard/spiffe/errors';
import type { ManagedProofType, ProofProvider } from '@lanyard/spiffe/managed';
import { awsIamProof } from './aws-iam-proof';
import { azureManagedIdentityProof } from './azure-mi-proof';
import { gcpServiceAccountProof } from './gcp-sa-proof';

/** The proof types, in the order the docs list them. */
export const PROOF_TYPES: readonly ManagedProofType[] = ['aws_iam', 'gcp_sa', 'azure_mi'];

/** Settings of {@link proofProviderFor}; each type reads the ones it needs. */
export interface ProofSettings {
  /** aws_iam: the server's `server_id`. */
  readonly serverId?: string;
  /** gcp_sa: the ID token audience; azure_mi: the application ID URI. */
  readonly audience?: string;
  /** aws_iam: STS URL; gcp_sa: metadata server URL or host[:port]; azure_mi: App Service identity endpoint. */
  readonly endpoint?: string;
  /** azure_mi: a user-assigned identity's client ID. */
  readonly clientId?: string;
  readonly env?: NodeJS.ProcessEnv;
}

function metadataHost(endpoint: string | undefined): string | undefined {
  if (endpoint === undefined || !/^https?:\/\//.test(endpoint)) return endpoint;
  return new URL(endpoint).host;
}

/**
 * The provider of `type` configured from `settings`.
 * @throws ManagedWorkloadError `ERR_MANAGED_PARAMS` naming an unknown type or a missing setting.
 */
export function proofProviderFor(type: string, settings: ProofSettings): ProofProvider {
  switch (type) {
    case 'aws_iam':
      return awsIamProof({
        serverId: settings.serverId ?? '',
        stsEndpoint: settings.endpoint,
        env: settings.env,
      });
    case 'gcp_sa':
      return gcpServiceAccountProof({
        audience: settings.audience ?? '',
        metadataHost: metadataHost(settings.endpoint),
        env: settings.env,
      });
    case 'azure_mi':
      return azureManagedIdentityProof({
        resource: settings.audience ?? '',
        identityEndpoint: settings.endpoint,
        clientId: settings.clientId,
        env: settings.env,
      });
    default:
      throw new ManagedWorkloadError(
        'ERR_MANAGED_PARAMS',
        type
          ? `proof "${type}" is not one of ${PROOF_TYPES.join(', ')}`
          : `proof is required (${PROOF_TYPES.join(', ')})`,
      );
  }
}
