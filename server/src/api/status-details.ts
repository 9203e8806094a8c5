import { PermissionDeniedError } from '@lanyard/base';

/** `spire.api.types.PermissionDeniedDetails.Reason` values SPIRE agents act on (re-attest, rebootstrap). */
export const PERMISSION_DENIED_REASONS = {
  UNKNOWN: 0,
  AGENT_EXPIRED: 1,
  AGENT_NOT_ATTESTED: 2,
  AGENT_NOT_ACTIVE: 3,
  AGENT_BANNED: 4,
  AGENT_MUST_REATTEST: 5,
} as const;

/** A reason name of {@link PERMISSION_DENIED_REASONS}. */
export type PermissionDeniedReason = keyof typeof PERMISSION_DENIED_REASONS;

/** PermissionDenied carrying SPIRE's `PermissionDeniedDetails`, sent in `grpc-status-details-bin`. */
export class AgentPermissionDeniedError extends PermissionDeniedError {
  constructor(
    message: string,
    readonly reason: PermissionDeniedReason,
  ) {
    super(message, `ERR_${reason}`);
  }
}

const TYPE_URL = 'type.googleapis.com/spire.api.types.PermissionDeniedDetails';

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let v = value >>> 0;
  while (v >= 0x80) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

function field(tag: number, payload: Buffer): Buffer {
  return Buffer.concat([varint((tag << 3) | 2), varint(payload.length), payload]);
}

/**
 * Encodes `google.rpc.Status{code, message, details: [Any(PermissionDeniedDetails{reason})]}`: what grpc-go
 * clients read with `status.FromError(err).Details()`.
 */
export function encodePermissionDeniedStatus(
  code: number,
  message: string,
  reason: PermissionDeniedReason,
): Buffer {
  const details = Buffer.concat([varint(1 << 3), varint(PERMISSION_DENIED_REASONS[reason])]);
  const any = Buffer.concat([field(1, Buffer.from(TYPE_URL)), field(2, details)]);
  return Buffer.concat([varint(1 << 3), varint(code), field(2, Buffer.from(message)), field(3, any)]);
}
