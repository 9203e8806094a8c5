/**
 * Envoy's Secret Discovery Service (`envoy.service.secret.v3`) with the TLS secret types its answers carry,
 * and a decoder for the `google.protobuf.Any` values inside those answers.
 *
 * Encoding needs no helper: the loader accepts `{ '@type': <type URL>, ...fields }` wherever an `Any` goes
 * (also nested, e.g. a validator config inside a secret), because all files below are loaded together.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import type { ProtoGrpcType as SdsGrpcType } from './generated/sds';
import { LOADER_OPTIONS, PROTO_DIR, loadProtoPackage } from './load';

/** Files making up the SDS API and the secret types, relative to the proto folder. */
export const ENVOY_SDS_PROTO_FILES = [
  'envoy/service/secret/v3/sds.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls_spiffe_validator_config.proto',
];

/** Type URL of `envoy.extensions.transport_sockets.tls.v3.Secret` (the SDS resource type). */
export const ENVOY_SECRET_TYPE_URL = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';

/** Type URL of `envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig`. */
export const ENVOY_SPIFFE_VALIDATOR_TYPE_URL =
  'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig';

/** Loads `envoy.service.secret.v3.SecretDiscoveryService` together with the TLS secret messages. */
export function loadEnvoySdsApi(): SdsGrpcType {
  return loadProtoPackage<SdsGrpcType>(ENVOY_SDS_PROTO_FILES);
}

let reflected: protobuf.Root | undefined;

/** The same files parsed by protobufjs (imports resolved in the proto folder, google/* from protobufjs). */
function envoyRoot(): protobuf.Root {
  if (!reflected) {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => {
      const local = path.join(PROTO_DIR, target);
      return fs.existsSync(local) ? local : target;
    };
    root.loadSync(ENVOY_SDS_PROTO_FILES, { keepCase: true });
    root.resolveAll();
    reflected = root;
  }
  return reflected;
}

/**
 * Decodes an `Any` whose type is one of the loaded Envoy or google messages into the same plain-object shape
 * the gRPC loader produces (`keepCase`, defaults, oneof names). Nested `Any` fields stay `{ type_url, value }`.
 *
 * @throws Error when `type_url` names a message that is not loaded, or the bytes do not decode.
 * @example
 * ```ts
 * const secret = unpackEnvoyAny<Secret__Output>(response.resources[0], ENVOY_SECRET_TYPE_URL);
 * ```
 */
export function unpackEnvoyAny<T>(any: { type_url: string; value: Uint8Array }, expectedTypeUrl?: string): T {
  if (expectedTypeUrl !== undefined && any.type_url !== expectedTypeUrl) {
    throw new Error(`type_url is "${any.type_url}", expected "${expectedTypeUrl}"`);
  }
  const name = any.type_url.slice(any.type_url.lastIndexOf('/') + 1);
  const type = envoyRoot().lookupType(name);
  const { longs, enums, defaults, oneofs } = LOADER_OPTIONS;
  return type.toObject(type.decode(any.value), { longs, enums, defaults, oneofs }) as T;
}
