/** Proof providers of the runtime's cloud identity for `ManagedIdentitySource` (docs/managed-workloads.md). */
export * from './aws-iam-proof';
export * from './gcp-sa-proof';
export * from './azure-mi-proof';
export * from './proof-provider';
