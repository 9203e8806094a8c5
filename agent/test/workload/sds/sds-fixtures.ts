/** A grpc-js Envoy SDS client over the Workload API socket and readers for its answers. */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import {
  ENVOY_SECRET_TYPE_URL,
  ENVOY_SPIFFE_VALIDATOR_TYPE_URL,
  loadEnvoySdsApi,
  unpackEnvoyAny,
  type DiscoveryRequest,
  type DiscoveryResponse__Output,
  type SPIFFECertValidatorConfig__Output,
  type Secret__Output,
  type SecretDiscoveryServiceClient,
} from '@lanyard/proto';
import { StreamReader } from '../../workload-fixtures';

/** Envoy's SDS resource type URL, as Envoy sends it in `type_url`. */
export const SECRET_TYPE = ENVOY_SECRET_TYPE_URL;

/** A plain SDS client on `unix://<path>` with its own connection. */
export function sdsClient(socketPath: string): SecretDiscoveryServiceClient {
  const Ctor = loadEnvoySdsApi().envoy.service.secret.v3.SecretDiscoveryService;
  return new Ctor(`unix://${socketPath}`, grpc.credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
  });
}

/** A decoded secret: its name and either a certificate or a validation context. */
export interface DecodedSecret {
  readonly name: string;
  readonly secret: Secret__Output;
  /** The SPIFFE validator config when the validation context carries one. */
  readonly validator?: SPIFFECertValidatorConfig__Output;
}

/** Decodes every resource of a response (each must be a Secret). */
export function decodeSecrets(response: DiscoveryResponse__Output): DecodedSecret[] {
  return response.resources.map((any) => {
    const secret = unpackEnvoyAny<Secret__Output>(any, ENVOY_SECRET_TYPE_URL);
    const custom = secret.validation_context?.custom_validator_config;
    const validator = custom?.typed_config
      ? unpackEnvoyAny<SPIFFECertValidatorConfig__Output>(
          custom.typed_config,
          ENVOY_SPIFFE_VALIDATOR_TYPE_URL,
        )
      : undefined;
    return { name: secret.name, secret, validator };
  });
}

/** Parses a PEM blob of certificates. */
export function parsePemCertificates(pem: Buffer): X509Certificate[] {
  const blocks = pem.toString().match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}

/** The certificate chain and key of a `tls_certificate` secret, parsed. */
export function certificateOf(decoded: DecodedSecret): { chain: X509Certificate[]; key: KeyObject } {
  const tls = decoded.secret.tls_certificate;
  if (!tls?.certificate_chain?.inline_bytes || !tls.private_key?.inline_bytes) {
    throw new Error(`secret ${decoded.name} is not an inline TLS certificate`);
  }
  return {
    chain: parsePemCertificates(tls.certificate_chain.inline_bytes),
    key: createPrivateKey(tls.private_key.inline_bytes.toString()),
  };
}

/** True when `leaf` was signed by one of `roots`. */
export function signedByOneOf(leaf: X509Certificate, roots: readonly X509Certificate[]): boolean {
  return roots.some((root) => leaf.checkIssued(root) && leaf.verify(root.publicKey));
}

/** A StreamSecrets call driven like Envoy: `send` requests, `next()` the next response, `ended` the status. */
export class XdsStream extends StreamReader<DiscoveryResponse__Output> {
  readonly call: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse__Output>;

  constructor(client: SecretDiscoveryServiceClient) {
    const call = client.StreamSecrets();
    super(call);
    this.call = call;
  }

  /** Sends a request (type_url defaults to the Secret type). */
  send(request: DiscoveryRequest): void {
    this.call.write({ type_url: SECRET_TYPE, ...request });
  }
}

/** FetchSecrets as a promise of the response or the ServiceError. */
export function fetchSecrets(
  client: SecretDiscoveryServiceClient,
  request: DiscoveryRequest,
): Promise<DiscoveryResponse__Output> {
  return new Promise((resolve, reject) => {
    client.FetchSecrets({ type_url: SECRET_TYPE, ...request }, (err, res) =>
      err ? reject(err) : resolve(res!),
    );
  });
}

/** One recorded log line. */
export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

/** A logger that keeps every line, to wait until the server has handled a request and to check what it logged. */
export class RecordingLogger {
  readonly lines: LogLine[] = [];
  debug = (message: string, fields: Record<string, unknown> = {}): void =>
    this.record('debug', message, fields);
  info = (message: string, fields: Record<string, unknown> = {}): void =>
    this.record('info', message, fields);
  warn = (message: string, fields: Record<string, unknown> = {}): void =>
    this.record('warn', message, fields);
  error = (message: string, fields: Record<string, unknown> = {}): void =>
    this.record('error', message, fields);

  private record(level: LogLine['level'], message: string, fields: Record<string, unknown>): void {
    this.lines.push({ level, message, fields });
  }

  /** Lines with this message. */
  withMessage(message: string): LogLine[] {
    return this.lines.filter((line) => line.message === message);
  }

  /** How many StreamSecrets requests the server has taken in so far. */
  get requestsHandled(): number {
    return this.withMessage('Received StreamSecrets request').length;
  }
}
