import { constants, type KeyObject, randomBytes, sign } from 'node:crypto';
import type {
  AgentAttestorDeps,
  NodeAttestorAgent,
  NodeAttestorAgentPlugin,
  PluginData,
} from '@lanyard/attestor-core';
import { decodePluginData, field } from '@lanyard/attestor-core';
import { FailedPreconditionError, InvalidArgumentError } from '@lanyard/base';
import { loadNodeIdentity, type NodeIdentity, type NodeIdentitySource } from './node-identity';
import {
  decodeNonce,
  NONCE_BYTES,
  parseMessage,
  signedMessage,
  X509POP_PLUGIN_NAME,
  type X509PopAttestationData,
  type X509PopResponse,
} from './shared';

/** Go's `big.Int.Bytes()`: big-endian without leading zeros. */
function minimalBytes(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

/**
 * Signs a challenge the way SPIRE's agent does: ECDSA (r, s) or RSA-PSS (maximum salt), both over
 * SHA-256(challenge nonce ‖ a fresh response nonce).
 * @throws InvalidArgumentError when the challenge is malformed or is for the other key type.
 */
export function respondToX509PopChallenge(privateKey: KeyObject, challengeBytes: Buffer): X509PopResponse {
  const challenge = parseMessage(challengeBytes, 'challenge');
  const ecdsa = privateKey.asymmetricKeyType === 'ec';
  const wanted = ecdsa ? challenge.ecdsa_signature : challenge.rsa_signature;
  if (wanted === undefined || wanted === null) {
    throw new InvalidArgumentError(
      `${X509POP_PLUGIN_NAME}: expecting ${ecdsa ? 'ECDSA' : 'RSA'} challenge`,
      'ERR_X509POP_CHALLENGE',
    );
  }
  const nonce = randomBytes(NONCE_BYTES);
  const message = signedMessage(decodeNonce(wanted, 'challenge'), nonce);
  if (ecdsa) {
    const signature = sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    const half = signature.length / 2;
    return {
      ecdsa_signature: {
        nonce: nonce.toString('base64'),
        r: minimalBytes(signature.subarray(0, half)).toString('base64'),
        s: minimalBytes(signature.subarray(half)).toString('base64'),
      },
    };
  }
  const signature = sign('sha256', message, {
    key: privateKey,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: constants.RSA_PSS_SALTLEN_MAX_SIGN,
  });
  return { rsa_signature: { nonce: nonce.toString('base64'), signature: signature.toString('base64') } };
}

/**
 * Agent half of `x509pop`: sends the node's certificate chain and proves possession of the leaf's private key by
 * signing the server's nonce.
 */
export class X509PopAgentAttestor implements NodeAttestorAgent {
  readonly name = X509POP_PLUGIN_NAME;
  private identity?: NodeIdentity;

  constructor(private readonly source: NodeIdentitySource) {}

  /** `{"certificates": [<base64 DER>, …]}`, leaf first; the identity is (re)loaded for each attestation. */
  async payload(): Promise<Buffer> {
    this.identity = await loadNodeIdentity(this.source);
    const data: X509PopAttestationData = {
      certificates: this.identity.certificates.map((cert) => cert.raw.toString('base64')),
    };
    return Buffer.from(JSON.stringify(data), 'utf8');
  }

  /** Signs the server's nonce with the key loaded by the last {@link payload}. */
  async respondToChallenge(challenge: Buffer): Promise<Buffer> {
    if (!this.identity) {
      throw new FailedPreconditionError(`${X509POP_PLUGIN_NAME}: challenge before attestation data`);
    }
    const response = respondToX509PopChallenge(this.identity.privateKey, challenge);
    return Buffer.from(JSON.stringify(response), 'utf8');
  }
}

const AGENT_PLUGIN_DATA = {
  private_key_path: field.string({ nonEmpty: true }),
  certificate_path: field.string({ nonEmpty: true }),
  intermediates_path: field.string({ nonEmpty: true }),
  spiffe_endpoint_socket: field.string({ nonEmpty: true }),
};

/**
 * Reads the agent's `plugin_data`: `private_key_path` + `certificate_path` (+ `intermediates_path`), or
 * `spiffe_endpoint_socket`.
 * @throws InvalidArgumentError naming the missing or conflicting key.
 */
export function parseX509PopAgentConfig(data: PluginData): NodeIdentitySource {
  const d = decodePluginData(X509POP_PLUGIN_NAME, data, AGENT_PLUGIN_DATA);
  const fail = (message: string): never => {
    throw new InvalidArgumentError(`${X509POP_PLUGIN_NAME}: ${message}`, 'ERR_PLUGIN_CONFIG');
  };
  if (d.spiffe_endpoint_socket !== undefined) {
    if (d.private_key_path ?? d.certificate_path ?? d.intermediates_path) {
      fail('plugin_data.spiffe_endpoint_socket cannot be combined with the certificate and key paths');
    }
    const socket = d.spiffe_endpoint_socket;
    return { kind: 'workload_api', socket: socket.includes('://') ? socket : `unix://${socket}` };
  }
  if (d.private_key_path === undefined) fail('private_key_path is required');
  if (d.certificate_path === undefined) fail('certificate_path is required');
  return {
    kind: 'files',
    privateKeyPath: d.private_key_path as string,
    certificatePath: d.certificate_path as string,
    intermediatesPath: d.intermediates_path,
  };
}

/** Catalog registration of the agent half; the configured files are loaded once to report problems at start. */
export const agentPlugin: NodeAttestorAgentPlugin = {
  name: X509POP_PLUGIN_NAME,
  async create(pluginData: PluginData, _deps: AgentAttestorDeps): Promise<NodeAttestorAgent> {
    const source = parseX509PopAgentConfig(pluginData);
    if (source.kind === 'files') await loadNodeIdentity(source);
    return new X509PopAgentAttestor(source);
  },
};

/* This file is the package's `./agent` entry: the agent half and the shared names, never the server half. */
export * from './shared';
