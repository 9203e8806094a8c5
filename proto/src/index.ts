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
