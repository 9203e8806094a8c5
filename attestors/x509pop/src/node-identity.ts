import { readFile } from 'node:fs/promises';
import type { KeyObject, X509Certificate } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import { FailedPreconditionError, InvalidArgumentError, LanyardError } from '@lanyard/base';
import { parseCertificates, parsePrivateKey } from '@lanyard/spiffe/x509';
import { WorkloadApiClient } from '@lanyard/spiffe/workloadapi';
import { X509POP_PLUGIN_NAME } from './shared';

/** The node's certificate chain (leaf first) and the private key of the leaf. */
export interface NodeIdentity {
  readonly certificates: readonly X509Certificate[];
  readonly privateKey: KeyObject;
}

/** Where the agent half reads its identity from. */
export type NodeIdentitySource =
  | {
      readonly kind: 'files';
      readonly privateKeyPath: string;
      readonly certificatePath: string;
      readonly intermediatesPath?: string;
    }
  | { readonly kind: 'workload_api'; readonly socket: string };

const FETCH_TIMEOUT_MS = 30_000;

async function readPem(path: string, key: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new FailedPreconditionError(
      `${X509POP_PLUGIN_NAME}: unable to read plugin_data.${key} "${path}": ${(error as Error).message}`,
      'ERR_X509POP_FILE',
    );
  }
}

function parsed<T>(parse: () => T, key: string, path: string): T {
  try {
    return parse();
  } catch (error) {
    const reason = error instanceof LanyardError ? error.message : String(error);
    throw new InvalidArgumentError(
      `${X509POP_PLUGIN_NAME}: plugin_data.${key} "${path}": ${reason}`,
      'ERR_X509POP_FILE',
    );
  }
}

async function fromFiles(source: Extract<NodeIdentitySource, { kind: 'files' }>): Promise<NodeIdentity> {
  const { privateKeyPath, certificatePath, intermediatesPath } = source;
  const keyPem = await readPem(privateKeyPath, 'private_key_path');
  const certPem = await readPem(certificatePath, 'certificate_path');
  const privateKey = parsed(() => parsePrivateKey(keyPem), 'private_key_path', privateKeyPath);
  const certificates = parsed(() => parseCertificates(certPem), 'certificate_path', certificatePath);
  if (intermediatesPath !== undefined) {
    const pem = await readPem(intermediatesPath, 'intermediates_path');
    certificates.push(...parsed(() => parseCertificates(pem), 'intermediates_path', intermediatesPath));
  }
  const leafKey = certificates[0].publicKey.export({ format: 'der', type: 'spki' });
  if (!createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).equals(leafKey)) {
    throw new InvalidArgumentError(
      `${X509POP_PLUGIN_NAME}: plugin_data.private_key_path "${privateKeyPath}" does not match the public key of the first certificate in "${certificatePath}"`,
      'ERR_X509POP_KEY_MISMATCH',
    );
  }
  return { certificates, privateKey };
}

async function fromWorkloadApi(socket: string): Promise<NodeIdentity> {
  const client = new WorkloadApiClient({ address: socket });
  try {
    const svid = await client.fetchX509Svid({ signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    return { certificates: svid.certificates, privateKey: svid.privateKey };
  } catch (error) {
    throw new FailedPreconditionError(
      `${X509POP_PLUGIN_NAME}: unable to fetch an X509-SVID from spiffe_endpoint_socket "${socket}": ${(error as Error).message}`,
      'ERR_X509POP_WORKLOAD_API',
    );
  } finally {
    await client.close();
  }
}

/**
 * Loads the node identity: the PEM files (re-read on every attestation, so renewed certificates are picked up)
 * or the default X509-SVID of a Workload API.
 * @throws FailedPreconditionError when a file cannot be read or the Workload API does not answer;
 *   InvalidArgumentError when a file does not parse or the key does not match the leaf certificate.
 */
export function loadNodeIdentity(source: NodeIdentitySource): Promise<NodeIdentity> {
  return source.kind === 'files' ? fromFiles(source) : fromWorkloadApi(source.socket);
}
