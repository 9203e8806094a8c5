/**
 * Identities for workloads on managed runtimes without an agent (AWS Lambda, Azure Functions, Cloud Run …): a
 * cloud proof exchanged at the server's `managed_workloads` listener for SVIDs (docs/managed-workloads.md).
 */
export type {
  AwsIamProof,
  AzureManagedIdentityProof,
  GcpServiceAccountProof,
  ManagedProof,
  ManagedProofType,
  ProofProvider,
} from './proof';
export {
  ManagedWorkloadClient,
  type ManagedWorkloadClientOptions,
  type ManagedRequestOptions,
} from './client';
export type { ManagedX509Response } from './response';
export { ManagedIdentitySource, type ManagedIdentitySourceOptions } from './source';
