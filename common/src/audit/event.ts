/**
 * The identity trail's record: one JSON line per event, keyed by SPIFFE ID. Every record has `time` (RFC 3339,
 * UTC, milliseconds), `event` (one of {@link TRAIL_EVENT_KINDS}) and `spiffe_id`; the other fields depend on
 * the event (see docs/audit.md).
 */
export interface TrailEvent {
  readonly time: string;
  readonly event: TrailEventKind;
  readonly spiffe_id: string;
  readonly [field: string]: unknown;
}

/** Every event kind either process writes. */
export const TRAIL_EVENT_KINDS = [
  // server
  'x509_svid_issued',
  'jwt_svid_minted',
  'entry_created',
  'entry_updated',
  'entry_deleted',
  'agent_attested',
  'agent_renewed',
  'agent_evicted',
  'agent_banned',
  'join_token_created',
  'join_token_used',
  'federation_relationship_created',
  'federation_relationship_updated',
  'federation_relationship_deleted',
  'ca_prepared',
  'ca_activated',
  'ca_tainted',
  'ca_revoked',
  'managed_workload_denied',
  // agent
  'workload_x509_svid',
  'workload_jwt_svid',
  'workload_denied',
] as const;

/** One event kind. */
export type TrailEventKind = (typeof TRAIL_EVENT_KINDS)[number];

/** An event before the writer stamps its time. */
export type TrailEventInput = Omit<TrailEvent, 'time'>;

/** What the server and agent code record events through; {@link NO_TRAIL} when no `audit_trail` is set. */
export interface TrailRecorder {
  /** Queues one event (never blocks, never throws). */
  record(event: TrailEventInput): void;
}

/** A recorder that drops everything. */
export const NO_TRAIL: TrailRecorder = { record: () => undefined };
