import * as path from 'node:path';
import * as fs from 'node:fs';
import * as protobuf from 'protobufjs';
import {
  ENVOY_SDS_PROTO_FILES,
  ENVOY_SECRET_TYPE_URL,
  ENVOY_SPIFFE_VALIDATOR_TYPE_URL,
  PROTO_DIR,
  SPIRE_AGENT_PROTO_FILES,
  SPIRE_SERVER_PROTO_FILES,
  loadHealthApi,
  loadSpireAgentApis,
  loadSpireServerApis,
  loadWorkloadApi,
  loadEnvoySdsApi,
  unpackEnvoyAny,
  type Secret__Output,
  type SPIFFECertValidatorConfig__Output,
} from '@lanyard/proto';

/** Parses .proto files with protobufjs, resolving imports inside PROTO_DIR (google/* from protobufjs itself). */
function reflect(files: string[]): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    const local = path.join(PROTO_DIR, target);
    return fs.existsSync(local) ? local : target;
  };
  root.loadSync(files, { keepCase: true });
  root.resolveAll();
  return root;
}

function fieldId(root: protobuf.Root, message: string, field: string): number {
  const f = root.lookupType(message).fields[field];
  if (!f) throw new Error(`${message}.${field} missing`);
  return f.id;
}

describe('SPIRE server API protos', () => {
  const root = reflect(SPIRE_SERVER_PROTO_FILES);

  it('keeps the SPIRE field numbers of the shared types', () => {
    expect(fieldId(root, 'spire.api.types.Entry', 'id')).toBe(1);
    expect(fieldId(root, 'spire.api.types.Entry', 'spiffe_id')).toBe(2);
    expect(fieldId(root, 'spire.api.types.Entry', 'parent_id')).toBe(3);
    expect(fieldId(root, 'spire.api.types.Entry', 'hint')).toBe(14);
    expect(fieldId(root, 'spire.api.types.Agent', 'can_reattest')).toBe(7);
    expect(fieldId(root, 'spire.api.types.Bundle', 'sequence_number')).toBe(5);
    expect(fieldId(root, 'spire.api.types.JWTKey', 'key_id')).toBe(2);
  });

  it('models AttestAgent as a bidirectional stream with a oneof step', () => {
    const method = root.lookupService('spire.api.server.agent.v1.Agent').methods['AttestAgent'];
    expect(method.requestStream).toBe(true);
    expect(method.responseStream).toBe(true);
    const request = root.lookupType('spire.api.server.agent.v1.AttestAgentRequest');
    expect(Object.keys(request.oneofs)).toEqual(['step']);
    expect(request.fields['challenge_response'].id).toBe(2);
  });

  it('loads every server service with grpc-js', () => {
    const api = loadSpireServerApis().spire.api.server;
    expect(Object.keys(api.entry.v1.Entry.service)).toEqual(
      expect.arrayContaining([
        'ListEntries',
        'BatchCreateEntry',
        'GetAuthorizedEntries',
        'SyncAuthorizedEntries',
      ]),
    );
    expect(api.agent.v1.Agent.service.AttestAgent.path).toBe('/spire.api.server.agent.v1.Agent/AttestAgent');
    expect(api.bundle.v1.Bundle.service.GetBundle).toBeDefined();
    expect(api.svid.v1.SVID.service.BatchNewX509SVID).toBeDefined();
    expect(api.trustdomain.v1.TrustDomain.service.RefreshBundle).toBeDefined();
    expect(api.debug.v1.Debug.service.GetInfo.path).toBe('/spire.api.server.debug.v1.Debug/GetInfo');
    expect(api.localauthority.v1.LocalAuthority.service.ActivateX509Authority).toBeDefined();
  });
});

describe('SPIRE agent API protos', () => {
  it('uses the upstream package names for the agent services', () => {
    const api = loadSpireAgentApis().spire;
    expect(api.agent.debug.v1.Debug.service.GetInfo.path).toBe('/spire.agent.debug.v1.Debug/GetInfo');
    const delegated = api.api.agent.delegatedidentity.v1.DelegatedIdentity.service;
    expect(delegated.SubscribeToX509SVIDs.responseStream).toBe(true);
    expect(delegated.FetchJWTSVIDs.responseStream).toBe(false);
  });

  it('keeps delegated identity field numbers', () => {
    const root = reflect(SPIRE_AGENT_PROTO_FILES);
    const prefix = 'spire.api.agent.delegatedidentity.v1.';
    expect(fieldId(root, `${prefix}SubscribeToX509SVIDsRequest`, 'pid')).toBe(2);
    expect(fieldId(root, `${prefix}FetchJWTSVIDsRequest`, 'audience')).toBe(1);
  });
});

describe('Workload API and health protos', () => {
  it('exposes the five Workload API methods with their streaming flags', () => {
    const service = loadWorkloadApi().SpiffeWorkloadAPI.service;
    const flags = Object.fromEntries(
      Object.entries(service).map(([name, m]) => [name, [m.requestStream, m.responseStream]]),
    );
    expect(flags).toEqual({
      FetchX509SVID: [false, true],
      FetchX509Bundles: [false, true],
      FetchJWTSVID: [false, false],
      FetchJWTBundles: [false, true],
      ValidateJWTSVID: [false, false],
    });
  });

  it('exposes grpc.health.v1 Check and Watch', () => {
    const service = loadHealthApi().grpc.health.v1.Health.service;
    expect(service.Check.responseStream).toBe(false);
    expect(service.Watch.responseStream).toBe(true);
  });
});

describe('Envoy SDS protos', () => {
  const root = reflect(ENVOY_SDS_PROTO_FILES);

  it('keeps the upstream field numbers of the xDS and TLS messages', () => {
    const d = 'envoy.service.discovery.v3.';
    expect(fieldId(root, `${d}DiscoveryRequest`, 'response_nonce')).toBe(5);
    expect(fieldId(root, `${d}DiscoveryRequest`, 'error_detail')).toBe(6);
    expect(fieldId(root, `${d}DiscoveryRequest`, 'resource_locators')).toBe(7);
    expect(fieldId(root, `${d}DiscoveryResponse`, 'nonce')).toBe(5);
    expect(fieldId(root, `${d}DeltaDiscoveryRequest`, 'error_detail')).toBe(7);
    const t = 'envoy.extensions.transport_sockets.tls.v3.';
    expect(fieldId(root, `${t}Secret`, 'validation_context')).toBe(4);
    expect(fieldId(root, `${t}CertificateValidationContext`, 'custom_validator_config')).toBe(12);
    expect(fieldId(root, `${t}SPIFFECertValidatorConfig.TrustDomain`, 'trust_bundle')).toBe(2);
    expect(fieldId(root, 'envoy.config.core.v3.Node', 'user_agent_build_version')).toBe(8);
    expect(fieldId(root, 'envoy.config.core.v3.DataSource', 'inline_bytes')).toBe(2);
    expect(fieldId(root, 'google.rpc.Status', 'details')).toBe(3);
  });

  it('exposes the three SDS methods with their streaming flags', () => {
    const service = loadEnvoySdsApi().envoy.service.secret.v3.SecretDiscoveryService.service;
    expect(service.StreamSecrets.path).toBe('/envoy.service.secret.v3.SecretDiscoveryService/StreamSecrets');
    const flags = Object.fromEntries(
      Object.entries(service).map(([name, m]) => [name, [m.requestStream, m.responseStream]]),
    );
    expect(flags).toEqual({
      DeltaSecrets: [true, true],
      StreamSecrets: [true, true],
      FetchSecrets: [false, false],
    });
  });

  it('encodes @type objects as Any (also nested) and unpackEnvoyAny decodes them back', () => {
    const method = loadEnvoySdsApi().envoy.service.secret.v3.SecretDiscoveryService.service.FetchSecrets;
    const packed = {
      '@type': ENVOY_SECRET_TYPE_URL,
      name: 'ALL',
      validation_context: {
        custom_validator_config: {
          name: 'envoy.tls.cert_validator.spiffe',
          typed_config: {
            '@type': ENVOY_SPIFFE_VALIDATOR_TYPE_URL,
            trust_domains: [{ name: 'example.org', trust_bundle: { inline_bytes: Buffer.from('pem') } }],
          },
        },
      },
    };
    const bytes = method.responseSerialize({ resources: [packed] });
    const decoded = method.responseDeserialize(bytes);
    expect(decoded.resources[0].type_url).toBe(ENVOY_SECRET_TYPE_URL);
    const secret = unpackEnvoyAny<Secret__Output>(decoded.resources[0], ENVOY_SECRET_TYPE_URL);
    expect(secret.name).toBe('ALL');
    const typed = secret.validation_context!.custom_validator_config!.typed_config!;
    const config = unpackEnvoyAny<SPIFFECertValidatorConfig__Output>(typed, ENVOY_SPIFFE_VALIDATOR_TYPE_URL);
    expect(config.trust_domains[0].name).toBe('example.org');
    expect(config.trust_domains[0].trust_bundle!.inline_bytes!.toString()).toBe('pem');
    expect(() => unpackEnvoyAny(typed, ENVOY_SECRET_TYPE_URL)).toThrow(/expected/);
  });
});
