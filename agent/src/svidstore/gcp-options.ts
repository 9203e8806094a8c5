/**
 * What gcp_secretmanager reads from an entry's selector values (SPIRE's keys): `name` and `projectid`
 * (required), `role` and `serviceaccount` (an IAM binding, both or neither), `regions` (user-managed
 * replication, comma-separated; automatic replication otherwise).
 */
import { InvalidArgumentError } from '@lanyard/base';
import { parseMetadata } from './plugin';

/** Secret Manager's replication policy as its REST API spells it. */
export type Replication = { automatic: object } | { userManaged: { replicas: { location: string }[] } };

/** Parsed selector metadata of one stored entry. */
export interface GcpSecretOptions {
  readonly projectId: string;
  readonly name: string;
  /** `roles/…`, set together with {@link serviceAccount}. */
  readonly role: string;
  /** IAM member `serviceAccount:<email>`, or `''`. */
  readonly serviceAccount: string;
  readonly replication: Replication;
}

function invalid(message: string): InvalidArgumentError {
  return new InvalidArgumentError(message, 'ERR_SVIDSTORE_METADATA');
}

/** @throws InvalidArgumentError naming the missing or inconsistent selector. */
export function gcpSecretOptions(metadata: readonly string[]): GcpSecretOptions {
  const data = parseMetadata(metadata);
  const name = data.get('name');
  if (name === undefined) throw invalid('name is required');
  const projectId = data.get('projectid');
  if (projectId === undefined) throw invalid('projectid is required');
  const sa = data.get('serviceaccount');
  const serviceAccount = sa === undefined ? '' : `serviceAccount:${sa}`;
  const role = data.get('role') ?? '';
  if (serviceAccount !== '' && role === '') throw invalid('role is required when service account is set');
  if (serviceAccount === '' && role !== '') throw invalid('service account is required when role is set');
  const regions = data.get('regions');
  let replication: Replication = { automatic: {} };
  if (regions !== undefined) {
    const replicas = regions
      .split(',')
      .filter((r) => r !== '')
      .map((location) => ({ location }));
    if (replicas.length === 0) throw invalid('need to specify at least one region');
    replication = { userManaged: { replicas } };
  }
  return { projectId, name, role, serviceAccount, replication };
}

/** `projects/<project>/secrets/<name>`. */
export function secretResourceName(opt: GcpSecretOptions): string {
  return `projects/${opt.projectId}/secrets/${opt.name}`;
}
