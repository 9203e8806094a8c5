/**
 * The proofs a managed runtime (AWS Lambda, Azure Functions, Cloud Run …) presents to the server's
 * `managed_workloads` listener instead of a node attestation (docs/managed-workloads.md).
 */

/** A SigV4-signed, never sent, STS `GetCallerIdentity` request made with the runtime's AWS credentials. */
export interface AwsIamProof {
  readonly type: 'aws_iam';
  readonly method: 'POST';
  /** The STS endpoint the request is signed for, e.g. `https://sts.amazonaws.com/`. */
  readonly url: string;
  /** Every header of the signed request, `authorization`, `x-amz-date` and `x-lanyard-server-id` included. */
  readonly headers: Readonly<Record<string, string>>;
  /** `Action=GetCallerIdentity&Version=2011-06-15`. */
  readonly body: string;
}

/** A Google-signed ID token for the server's audience, from the metadata server. */
export interface GcpServiceAccountProof {
  readonly type: 'gcp_sa';
  readonly token: string;
}

/** An Entra ID managed-identity access token for the server's application ID URI. */
export interface AzureManagedIdentityProof {
  readonly type: 'azure_mi';
  readonly token: string;
}

/** One proof of the runtime's cloud identity. */
export type ManagedProof = AwsIamProof | GcpServiceAccountProof | AzureManagedIdentityProof;

/** The proof types the server knows, as in the registration parents `spiffe://<td>/spire/managed/<type>`. */
export type ManagedProofType = ManagedProof['type'];

/**
 * Produces a fresh proof of the runtime's identity for every request (AWS proofs are single-use: the server
 * refuses a signature it has seen). Implementations live next to the cloud they talk to, e.g. `awsIamProof`,
 * `gcpServiceAccountProof` and `azureManagedIdentityProof` in `@lanyard/helper`.
 */
export interface ProofProvider {
  /** The proof type this provider makes. */
  readonly type: ManagedProofType;
  /**
   * Makes one proof.
   * @throws a LanyardError (ManagedWorkloadError `ERR_MANAGED_PROOF`) when the runtime cannot prove anything.
   */
  getProof(signal?: AbortSignal): Promise<ManagedProof>;
}
