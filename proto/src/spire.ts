/**
 * Typed loaders for the SPIRE server and agent APIs (`proto/protos/spire/...`).
 *
 * The generated per-file `ProtoGrpcType` modules collide on file base names (several `debug.proto`,
 * `agent.proto`, ...), so the shapes of the loaded package objects are spelled out here from the
 * per-service generated modules, which live under unique paths.
 */
import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';
import type { AgentClient, AgentDefinition } from './generated/spire/api/server/agent/v1/Agent';
import type { BundleClient, BundleDefinition } from './generated/spire/api/server/bundle/v1/Bundle';
import type { DebugClient, DebugDefinition } from './generated/spire/api/server/debug/v1/Debug';
import type { LoggerClient, LoggerDefinition } from './generated/spire/api/server/logger/v1/Logger';
import type { EntryClient, EntryDefinition } from './generated/spire/api/server/entry/v1/Entry';
import type {
  LocalAuthorityClient,
  LocalAuthorityDefinition,
} from './generated/spire/api/server/localauthority/v1/LocalAuthority';
import type { SVIDClient, SVIDDefinition } from './generated/spire/api/server/svid/v1/SVID';
import type {
  TrustDomainClient,
  TrustDomainDefinition,
} from './generated/spire/api/server/trustdomain/v1/TrustDomain';
import type {
  DebugClient as AgentDebugClient,
  DebugDefinition as AgentDebugDefinition,
} from './generated/spire/agent/debug/v1/Debug';
import type {
  DelegatedIdentityClient,
  DelegatedIdentityDefinition,
} from './generated/spire/api/agent/delegatedidentity/v1/DelegatedIdentity';
import type {
  LoggerClient as AgentLoggerClient,
  LoggerDefinition as AgentLoggerDefinition,
} from './generated/spire/api/agent/logger/v1/Logger';
import { loadProtoPackage } from './load';

/** A loaded gRPC service: constructible as a typed client, with its method definitions on `.service`. */
export type LoadedService<Client extends grpc.Client, Definition extends grpc.ServiceDefinition> = {
  new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions): Client;
  service: Definition;
};

/** Message constructors of `spire.api.types`, keyed by message name (`Entry`, `Agent`, `Bundle`, ...). */
export type SpireTypesPackage = Record<string, MessageTypeDefinition<object, object>>;

/** Shape of the object returned by {@link loadSpireServerApis}. */
export interface SpireServerGrpcType {
  spire: {
    api: {
      server: {
        entry: { v1: { Entry: LoadedService<EntryClient, EntryDefinition> } };
        agent: { v1: { Agent: LoadedService<AgentClient, AgentDefinition> } };
        bundle: { v1: { Bundle: LoadedService<BundleClient, BundleDefinition> } };
        svid: { v1: { SVID: LoadedService<SVIDClient, SVIDDefinition> } };
        trustdomain: { v1: { TrustDomain: LoadedService<TrustDomainClient, TrustDomainDefinition> } };
        debug: { v1: { Debug: LoadedService<DebugClient, DebugDefinition> } };
        logger: { v1: { Logger: LoadedService<LoggerClient, LoggerDefinition> } };
        localauthority: {
          v1: { LocalAuthority: LoadedService<LocalAuthorityClient, LocalAuthorityDefinition> };
        };
      };
      types: SpireTypesPackage;
    };
  };
}

/** Shape of the object returned by {@link loadSpireAgentApis}. */
export interface SpireAgentGrpcType {
  spire: {
    agent: { debug: { v1: { Debug: LoadedService<AgentDebugClient, AgentDebugDefinition> } } };
    api: {
      agent: {
        delegatedidentity: {
          v1: { DelegatedIdentity: LoadedService<DelegatedIdentityClient, DelegatedIdentityDefinition> };
        };
        logger: { v1: { Logger: LoadedService<AgentLoggerClient, AgentLoggerDefinition> } };
      };
      types: SpireTypesPackage;
    };
  };
}

/** Files making up the SPIRE server API, relative to the proto folder. */
export const SPIRE_SERVER_PROTO_FILES = [
  'spire/api/server/entry/v1/entry.proto',
  'spire/api/server/agent/v1/agent.proto',
  'spire/api/server/bundle/v1/bundle.proto',
  'spire/api/server/svid/v1/svid.proto',
  'spire/api/server/trustdomain/v1/trustdomain.proto',
  'spire/api/server/debug/v1/debug.proto',
  'spire/api/server/logger/v1/logger.proto',
  'spire/api/server/localauthority/v1/localauthority.proto',
];

/** Files making up the SPIRE agent API, relative to the proto folder. */
export const SPIRE_AGENT_PROTO_FILES = [
  'spire/api/agent/debug/v1/debug.proto',
  'spire/api/agent/delegatedidentity/v1/delegatedidentity.proto',
  'spire/api/agent/logger/v1/logger.proto',
];

/** Loads every `spire.api.server.*.v1` service together with the `spire.api.types` messages. */
export function loadSpireServerApis(): SpireServerGrpcType {
  return loadProtoPackage<SpireServerGrpcType>(SPIRE_SERVER_PROTO_FILES);
}

/** Loads `spire.agent.debug.v1`, `spire.api.agent.delegatedidentity.v1` and `.logger.v1` with the shared types. */
export function loadSpireAgentApis(): SpireAgentGrpcType {
  return loadProtoPackage<SpireAgentGrpcType>(SPIRE_AGENT_PROTO_FILES);
}
