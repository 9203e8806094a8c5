/**
 * @lanyard/proto: the .proto files Lanyard speaks and typed loaders for them.
 *
 * Types are generated into `src/generated` by `scripts/gen-types.sh` with the loader options in {@link LOADER_OPTIONS}.
 */
import type { ProtoGrpcType as WorkloadGrpcType } from './generated/workload';
import type { ProtoGrpcType as HealthGrpcType } from './generated/health';
import { loadProtoPackage } from './load';

export { PROTO_DIR, LOADER_OPTIONS, loadProtoPackage } from './load';

/** Loads the package-less SPIFFE Workload API (`SpiffeWorkloadAPI`). */
export function loadWorkloadApi(): WorkloadGrpcType {
  return loadProtoPackage<WorkloadGrpcType>(['spiffe/workload/workload.proto']);
}

/** Loads `grpc.health.v1`. */
export function loadHealthApi(): HealthGrpcType {
  return loadProtoPackage<HealthGrpcType>(['grpc/health/v1/health.proto']);
}

export type { WorkloadGrpcType, HealthGrpcType };
export type { SpiffeWorkloadAPIClient, SpiffeWorkloadAPIHandlers } from './generated/SpiffeWorkloadAPI';
export type { X509SVIDResponse, X509SVIDResponse__Output } from './generated/X509SVIDResponse';
export type { X509SVID, X509SVID__Output } from './generated/X509SVID';
export type { X509BundlesResponse, X509BundlesResponse__Output } from './generated/X509BundlesResponse';
export type { JWTSVIDRequest, JWTSVIDRequest__Output } from './generated/JWTSVIDRequest';
export type { JWTSVIDResponse, JWTSVIDResponse__Output } from './generated/JWTSVIDResponse';
export type { JWTSVID, JWTSVID__Output } from './generated/JWTSVID';
export type { JWTBundlesResponse, JWTBundlesResponse__Output } from './generated/JWTBundlesResponse';
export type {
  ValidateJWTSVIDRequest,
  ValidateJWTSVIDRequest__Output,
} from './generated/ValidateJWTSVIDRequest';
export type {
  ValidateJWTSVIDResponse,
  ValidateJWTSVIDResponse__Output,
} from './generated/ValidateJWTSVIDResponse';
export type { Struct, Struct__Output } from './generated/google/protobuf/Struct';
export type { Value, Value__Output } from './generated/google/protobuf/Value';
export type { HealthClient, HealthHandlers } from './generated/grpc/health/v1/Health';
export type { HealthCheckResponse__Output } from './generated/grpc/health/v1/HealthCheckResponse';

export {
  loadSpireServerApis,
  loadSpireAgentApis,
  SPIRE_SERVER_PROTO_FILES,
  SPIRE_AGENT_PROTO_FILES,
} from './spire';
export type { SpireServerGrpcType, SpireAgentGrpcType, SpireTypesPackage, LoadedService } from './spire';

// spire.api.server.* service clients and handlers.
export type { EntryClient, EntryHandlers } from './generated/spire/api/server/entry/v1/Entry';
export type { AgentClient, AgentHandlers } from './generated/spire/api/server/agent/v1/Agent';
export type { BundleClient, BundleHandlers } from './generated/spire/api/server/bundle/v1/Bundle';
export type { SVIDClient, SVIDHandlers } from './generated/spire/api/server/svid/v1/SVID';
export type {
  TrustDomainClient,
  TrustDomainHandlers,
} from './generated/spire/api/server/trustdomain/v1/TrustDomain';
export type {
  LocalAuthorityClient,
  LocalAuthorityHandlers,
} from './generated/spire/api/server/localauthority/v1/LocalAuthority';
export type {
  DebugClient as ServerDebugClient,
  DebugHandlers as ServerDebugHandlers,
} from './generated/spire/api/server/debug/v1/Debug';
export type {
  LoggerClient as ServerLoggerClient,
  LoggerHandlers as ServerLoggerHandlers,
} from './generated/spire/api/server/logger/v1/Logger';
export type {
  LoggerClient as AgentLoggerClient,
  LoggerHandlers as AgentLoggerHandlers,
} from './generated/spire/api/agent/logger/v1/Logger';
export type {
  DebugClient as AgentDebugClient,
  DebugHandlers as AgentDebugHandlers,
} from './generated/spire/agent/debug/v1/Debug';
export type {
  DelegatedIdentityClient,
  DelegatedIdentityHandlers,
} from './generated/spire/api/agent/delegatedidentity/v1/DelegatedIdentity';

// spire.agent.debug.v1 and spire.api.agent.delegatedidentity.v1 messages.
export type {
  GetInfoResponse as AgentGetInfoResponse,
  GetInfoResponse__Output as AgentGetInfoResponse__Output,
} from './generated/spire/agent/debug/v1/GetInfoResponse';
export type {
  SubscribeToX509SVIDsRequest,
  SubscribeToX509SVIDsRequest__Output,
} from './generated/spire/api/agent/delegatedidentity/v1/SubscribeToX509SVIDsRequest';
export type {
  SubscribeToX509SVIDsResponse,
  SubscribeToX509SVIDsResponse__Output,
} from './generated/spire/api/agent/delegatedidentity/v1/SubscribeToX509SVIDsResponse';
export type {
  SubscribeToX509BundlesResponse,
  SubscribeToX509BundlesResponse__Output,
} from './generated/spire/api/agent/delegatedidentity/v1/SubscribeToX509BundlesResponse';
export type {
  FetchJWTSVIDsRequest,
  FetchJWTSVIDsRequest__Output,
} from './generated/spire/api/agent/delegatedidentity/v1/FetchJWTSVIDsRequest';
export type {
  FetchJWTSVIDsResponse,
  FetchJWTSVIDsResponse__Output,
} from './generated/spire/api/agent/delegatedidentity/v1/FetchJWTSVIDsResponse';
export type {
  SubscribeToJWTBundlesResponse,
  SubscribeToJWTBundlesResponse__Output,
} from './generated/spire/api/agent/delegatedidentity/v1/SubscribeToJWTBundlesResponse';

// spire.api.types messages (input and decoded-output shapes), prefixed `Spire` where a name would clash.
export type { Agent, Agent__Output } from './generated/spire/api/types/Agent';
export type { AgentMask, AgentMask__Output } from './generated/spire/api/types/AgentMask';
export type { AttestationData, AttestationData__Output } from './generated/spire/api/types/AttestationData';
export type { Bundle, Bundle__Output } from './generated/spire/api/types/Bundle';
export type { BundleMask, BundleMask__Output } from './generated/spire/api/types/BundleMask';
export type { Entry, Entry__Output } from './generated/spire/api/types/Entry';
export type { EntryMask, EntryMask__Output } from './generated/spire/api/types/EntryMask';
export type {
  FederatesWithMatch,
  FederatesWithMatch__Output,
} from './generated/spire/api/types/FederatesWithMatch';
export type {
  FederationRelationship,
  FederationRelationship__Output,
} from './generated/spire/api/types/FederationRelationship';
export type {
  FederationRelationshipMask,
  FederationRelationshipMask__Output,
} from './generated/spire/api/types/FederationRelationshipMask';
export type {
  HTTPSSPIFFEProfile,
  HTTPSSPIFFEProfile__Output,
} from './generated/spire/api/types/HTTPSSPIFFEProfile';
export type { HTTPSWebProfile, HTTPSWebProfile__Output } from './generated/spire/api/types/HTTPSWebProfile';
export type {
  Logger as SpireLogger,
  Logger__Output as SpireLogger__Output,
} from './generated/spire/api/types/Logger';
export type { LogLevel as SpireLogLevel } from './generated/spire/api/types/LogLevel';
export type { JWTKey, JWTKey__Output } from './generated/spire/api/types/JWTKey';
export type {
  JWTSVID as SpireJWTSVID,
  JWTSVID__Output as SpireJWTSVID__Output,
} from './generated/spire/api/types/JWTSVID';
export type { JoinToken, JoinToken__Output } from './generated/spire/api/types/JoinToken';
export type {
  PermissionDeniedDetails,
  PermissionDeniedDetails__Output,
} from './generated/spire/api/types/PermissionDeniedDetails';
export type { SPIFFEID, SPIFFEID__Output } from './generated/spire/api/types/SPIFFEID';
export type { Selector, Selector__Output } from './generated/spire/api/types/Selector';
export type { SelectorMatch, SelectorMatch__Output } from './generated/spire/api/types/SelectorMatch';
export type { Status, Status__Output } from './generated/spire/api/types/Status';
export type { WITKey, WITKey__Output } from './generated/spire/api/types/WITKey';
export type { WITSVID, WITSVID__Output } from './generated/spire/api/types/WITSVID';
export type { X509Certificate, X509Certificate__Output } from './generated/spire/api/types/X509Certificate';
export type {
  X509SVID as SpireX509SVID,
  X509SVID__Output as SpireX509SVID__Output,
} from './generated/spire/api/types/X509SVID';

// Envoy SDS (envoy.service.secret.v3) and the TLS secret types of its answers.
export {
  loadEnvoySdsApi,
  unpackEnvoyAny,
  ENVOY_SDS_PROTO_FILES,
  ENVOY_SECRET_TYPE_URL,
  ENVOY_SPIFFE_VALIDATOR_TYPE_URL,
} from './envoy';
export type { ProtoGrpcType as EnvoySdsGrpcType } from './generated/sds';
export type {
  SecretDiscoveryServiceClient,
  SecretDiscoveryServiceHandlers,
} from './generated/envoy/service/secret/v3/SecretDiscoveryService';
export type {
  DiscoveryRequest,
  DiscoveryRequest__Output,
} from './generated/envoy/service/discovery/v3/DiscoveryRequest';
export type {
  DiscoveryResponse,
  DiscoveryResponse__Output,
} from './generated/envoy/service/discovery/v3/DiscoveryResponse';
export type {
  Node as EnvoyNode,
  Node__Output as EnvoyNode__Output,
} from './generated/envoy/config/core/v3/Node';
export type { Secret, Secret__Output } from './generated/envoy/extensions/transport_sockets/tls/v3/Secret';
export type { TlsCertificate__Output } from './generated/envoy/extensions/transport_sockets/tls/v3/TlsCertificate';
export type { CertificateValidationContext__Output } from './generated/envoy/extensions/transport_sockets/tls/v3/CertificateValidationContext';
export type {
  SPIFFECertValidatorConfig,
  SPIFFECertValidatorConfig__Output,
} from './generated/envoy/extensions/transport_sockets/tls/v3/SPIFFECertValidatorConfig';
export type { Any, Any__Output } from './generated/google/protobuf/Any';

// lanyard.agent.v1: pushed authorized-entry changes (a Lanyard extension next to SPIRE's sync RPCs).
export { loadEntryWatchApi, LANYARD_AGENT_PROTO_FILES } from './lanyard';
export type { EntryWatchGrpcType } from './lanyard';
export type { EntryWatchClient, EntryWatchHandlers } from './generated/lanyard/agent/v1/EntryWatch';
export type { WatchRequest, WatchRequest__Output } from './generated/lanyard/agent/v1/WatchRequest';
export type { WatchResponse, WatchResponse__Output } from './generated/lanyard/agent/v1/WatchResponse';
