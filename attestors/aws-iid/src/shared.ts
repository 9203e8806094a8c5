import type { Selector } from '@lanyard/attestor-core';
import { InvalidArgumentError } from '@lanyard/base';

/** Plugin name as SPIRE spells it. */
export const AWS_IID_PLUGIN_NAME = 'aws_iid';

/** SPIRE's default agent path: `/aws_iid/<account>/<region>/<instance id>`. */
export const AWS_IID_DEFAULT_PATH_TEMPLATE =
  '/{{ .PluginName }}/{{ .AccountID }}/{{ .Region }}/{{ .InstanceID }}';

/** Payloads larger than this are refused before parsing. */
export const AWS_IID_MAX_PAYLOAD_BYTES = 64 * 1024;

/**
 * The attestation payload, JSON with SPIRE's field names: the identity document text as served by IMDS,
 * its base64 SHA256-RSA `signature`, and `rsa2048`, the base64 PKCS#7 (no PEM armour) signed with the RSA-2048 key.
 */
export interface IidAttestationData {
  document: string;
  signature: string;
  rsa2048?: string;
}

/** The identity-document fields aws_iid uses. */
export interface InstanceIdentity {
  readonly accountId: string;
  readonly region: string;
  readonly instanceId: string;
  readonly imageId: string;
  readonly availabilityZone: string;
}

const DOCUMENT_FIELDS = ['accountId', 'region', 'instanceId', 'imageId', 'availabilityZone'] as const;

/**
 * Parses the identity document text.
 * @throws InvalidArgumentError when it is not JSON or a required field is missing or not a string.
 */
export function parseInstanceIdentity(text: string): InstanceIdentity {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError(
      'aws_iid: instance identity document is not valid JSON',
      'ERR_AWS_IID_DOCUMENT',
    );
  }
  if (typeof value !== 'object' || value === null) {
    throw new InvalidArgumentError(
      'aws_iid: instance identity document must be a JSON object',
      'ERR_AWS_IID_DOCUMENT',
    );
  }
  const doc = value as Record<string, unknown>;
  for (const field of DOCUMENT_FIELDS) {
    if (typeof doc[field] !== 'string' || doc[field] === '') {
      throw new InvalidArgumentError(
        `aws_iid: instance identity document field ${field} is missing or not a string`,
        'ERR_AWS_IID_DOCUMENT',
      );
    }
  }
  return {
    accountId: doc.accountId as string,
    region: doc.region as string,
    instanceId: doc.instanceId as string,
    imageId: doc.imageId as string,
    availabilityZone: doc.availabilityZone as string,
  };
}

/** The selectors SPIRE derives from the document itself (account, AZ, image, instance, region). */
export function documentSelectors(doc: InstanceIdentity): Selector[] {
  return [
    `account_id:${doc.accountId}`,
    `az:${doc.availabilityZone}`,
    `image:id:${doc.imageId}`,
    `instance:id:${doc.instanceId}`,
    `region:${doc.region}`,
  ].map((value) => ({ type: AWS_IID_PLUGIN_NAME, value }));
}
