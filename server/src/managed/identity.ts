/**
 * Who a managed workload proved to be: the cloud, a principal (the rate-limit and audit key) and the selectors
 * entries parented to `spiffe://<td>/spire/managed/<cloud>` are matched against.
 */
import type { Selector } from '../datastore/types';

/** The clouds (and selector types) of managed workloads. */
export const MANAGED_CLOUDS = ['aws_iam', 'gcp_sa', 'azure_mi'] as const;

/** One managed-workload cloud; also the selector type of its selectors. */
export type ManagedCloud = (typeof MANAGED_CLOUDS)[number];

/** The selector kinds (`<type>:<kind>:<value>`) each cloud produces. */
export const MANAGED_SELECTOR_KINDS: Readonly<Record<ManagedCloud, readonly string[]>> = {
  aws_iam: ['account', 'role', 'user'],
  gcp_sa: ['email', 'project'],
  azure_mi: ['tenant', 'principal'],
};

/** A verified caller. */
export interface ManagedCaller {
  readonly cloud: ManagedCloud;
  /** The caller's identity in its cloud: role/user ARN, service-account email, `<tenant>/<object id>`. */
  readonly principal: string;
  readonly selectors: readonly Selector[];
}

/** `spiffe://<td>/spire/managed/<cloud>`: the parent of the entries a cloud's workloads may receive. */
export function managedParentId(trustDomain: string, cloud: ManagedCloud): string {
  return `spiffe://${trustDomain}/spire/managed/${cloud}`;
}

/** The cloud of a managed parent ID in `trustDomain`, or undefined when `id` is not one. */
export function managedCloudOfParent(trustDomain: string, id: string): ManagedCloud | undefined {
  return MANAGED_CLOUDS.find((cloud) => managedParentId(trustDomain, cloud) === id);
}

/** A selector `<cloud>:<kind>:<value>`. */
export function managedSelector(cloud: ManagedCloud, kind: string, value: string): Selector {
  return { type: cloud, value: `${kind}:${value}` };
}

/**
 * The problem with a managed selector's value (`role:arn:…`), or undefined when it is well formed: a known
 * kind and a non-empty value of the right shape.
 */
export function managedSelectorProblem(cloud: ManagedCloud, value: string): string | undefined {
  const colon = value.indexOf(':');
  const kind = colon < 0 ? value : value.slice(0, colon);
  const rest = colon < 0 ? '' : value.slice(colon + 1);
  const kinds = MANAGED_SELECTOR_KINDS[cloud];
  if (!kinds.includes(kind)) return `unknown ${cloud} selector kind "${kind}" (use ${kinds.join(', ')})`;
  if (rest === '') return `${cloud}:${kind} selector needs a value`;
  const shape = SHAPES[`${cloud}:${kind}`];
  return shape && !shape.pattern.test(rest)
    ? `${cloud}:${kind} must be ${shape.describe}, got "${rest}"`
    : undefined;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const SHAPES: Record<string, { pattern: RegExp; describe: string }> = {
  'aws_iam:account': { pattern: /^\d{12}$/, describe: 'a 12-digit account ID' },
  'aws_iam:role': {
    pattern: /^arn:aws[\w-]*:iam::\d{12}:role\/.+$/,
    describe: 'a role ARN (arn:aws:iam::<account>:role/<name>) without a session',
  },
  'aws_iam:user': { pattern: /^arn:aws[\w-]*:iam::\d{12}:user\/.+$/, describe: 'an IAM user ARN' },
  'gcp_sa:email': { pattern: /^[^@\s]+@[^@\s]+$/, describe: 'a service-account email' },
  'azure_mi:tenant': { pattern: GUID, describe: 'a tenant ID (a GUID)' },
  'azure_mi:principal': { pattern: GUID, describe: 'an object ID (a GUID)' },
};

/**
 * The problem with an entry parented to a managed parent, or undefined: every selector must be of that cloud's
 * type with a well-formed value (an entry under `…/managed/aws_iam` with a `unix:` selector could never match).
 */
export function managedEntryProblem(
  trustDomain: string,
  parentId: string,
  selectors: readonly Selector[],
): string | undefined {
  const cloud = managedCloudOfParent(trustDomain, parentId);
  if (cloud === undefined) return undefined;
  for (const [i, s] of selectors.entries()) {
    if (s.type !== cloud)
      return `selectors[${i}]: entries under ${parentId} take ${cloud} selectors, not "${s.type}"`;
    const problem = managedSelectorProblem(cloud, s.value);
    if (problem) return `selectors[${i}]: ${problem}`;
  }
  return undefined;
}
