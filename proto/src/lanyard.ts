/**
 * Lanyard's own extensions of the agent ↔ server protocol (`proto/protos/lanyard/...`), kept out of the SPIRE
 * packages so those stay field-identical to upstream.
 */
import type { ProtoGrpcType as EntryWatchGrpcType } from './generated/entry_watch';
import { loadProtoPackage } from './load';

/** Files of the `lanyard.agent.v1` package. */
export const LANYARD_AGENT_PROTO_FILES = ['lanyard/agent/v1/entry_watch.proto'];

/** Loads `lanyard.agent.v1.EntryWatch` (pushed authorized-entry changes) with the SPIRE entry types it uses. */
export function loadEntryWatchApi(): EntryWatchGrpcType {
  return loadProtoPackage<EntryWatchGrpcType>(LANYARD_AGENT_PROTO_FILES);
}

export type { EntryWatchGrpcType };
