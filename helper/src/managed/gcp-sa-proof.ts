/**
 * The GCP proof: a Google-signed ID token for the server's audience from the metadata server (GCE, Cloud Run,
 * Cloud Functions, GKE workload identity), as `google-auth-library` fetches it.
 */
import type { GcpServiceAccountProof, ProofProvider } from '@lanyard/spiffe/managed';
import { getIdentityDocument, proofError, proofOptionError } from './proof-error';

/** Options of {@link gcpServiceAccountProof}. */
export interface GcpServiceAccountProofOptions {
  /** The server's configured audience for GCP proofs. */
  readonly audience: string;
  /** Metadata server `host[:port]` (default: `GCE_METADATA_HOST`, else `metadata.google.internal`). */
  readonly metadataHost?: string;
  /** Service account (default `default`, the runtime's). */
  readonly serviceAccount?: string;
  /** Deadline of the metadata call in ms (default 10 s). */
  readonly timeoutMs?: number;
  /** Environment read for the defaults (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
}

const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/**
 * A {@link ProofProvider} of `gcp_sa` proofs: `GET /computeMetadata/v1/instance/service-accounts/default/identity
 * ?audience=…&format=full` with `Metadata-Flavor: Google`.
 */
export function gcpServiceAccountProof(options: GcpServiceAccountProofOptions): ProofProvider {
  if (!options.audience) throw proofOptionError('gcp_sa', 'audience is required');
  const env = options.env ?? process.env;
  const host = options.metadataHost ?? (env.GCE_METADATA_HOST || 'metadata.google.internal');
  const account = encodeURIComponent(options.serviceAccount ?? 'default');
  let url: URL;
  try {
    url = new URL(`http://${host}/computeMetadata/v1/instance/service-accounts/${account}/identity`);
  } catch {
    throw proofOptionError('gcp_sa', `metadata host "${host}" is not a host[:port]`);
  }
  url.searchParams.set('audience', options.audience);
  url.searchParams.set('format', 'full');
  return {
    type: 'gcp_sa',
    async getProof(signal?: AbortSignal): Promise<GcpServiceAccountProof> {
      const body = await getIdentityDocument(
        'gcp_sa',
        url,
        { 'Metadata-Flavor': 'Google' },
        signal,
        options.timeoutMs ?? 10_000,
      );
      const token = body.trim();
      if (!JWT.test(token)) throw proofError('gcp_sa', 'the metadata server did not answer an ID token');
      return { type: 'gcp_sa', token };
    },
  };
}
