import { X509Certificate, createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  type NodeAttestorAgent,
  type NodeAttestorServer,
  type PluginData,
  type ServerAttestorDeps,
  silentLogger,
} from '@lanyard/attestor-core';
import { type IssuedCertificate, TestCa } from '@lanyard/test-support';
import { agentPlugin } from '../src/agent';
import { serverPlugin } from '../src/server';

export const TD = 'example.org';

/** SHA-1 of a DER certificate, computed independently of the attestor. */
export function sha1(cert: { der: Buffer } | X509Certificate): string {
  return createHash('sha1')
    .update('der' in cert ? cert.der : cert.raw)
    .digest('hex');
}

/** A node PKI on disk: a root, an intermediate, and files for node certificates and keys. */
export class NodePki {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'lanyard-x509pop-'));
  readonly root = TestCa.create({ trustDomain: 'nodes.example' });
  readonly intermediate = this.root.createIntermediate();
  readonly bundlePath = this.write('ca-bundle.pem', this.root.certificate.pem);

  /** Writes `content` into the PKI directory and returns its path. */
  write(name: string, content: string): string {
    const file = path.join(this.dir, name);
    writeFileSync(file, content, { mode: 0o600 });
    return file;
  }

  /** Writes a node's chain (leaf + intermediate) and key; returns the agent's plugin_data. */
  nodeFiles(name: string, leaf: IssuedCertificate, key = leaf.privateKey): PluginData {
    return {
      certificate_path: this.write(`${name}.crt.pem`, leaf.pem + this.intermediate.certificate.pem),
      private_key_path: this.write(
        `${name}.key.pem`,
        key.export({ type: 'pkcs8', format: 'pem' }).toString(),
      ),
    };
  }
}

/** Server deps for the halves tests; `authorities` feeds `mode = "spiffe"`. */
export function serverDeps(authorities: X509Certificate[] = []): ServerAttestorDeps {
  return {
    trustDomain: TD,
    logger: silentLogger,
    joinTokens: { consumeJoinToken: async () => undefined },
    attestedNodes: { isAttested: async () => false },
    now: Date.now,
    x509Authorities: () => authorities,
  };
}

/** Builds both halves. */
export async function halves(
  agentData: PluginData,
  serverData: PluginData,
  authorities: X509Certificate[] = [],
): Promise<{ agent: NodeAttestorAgent; server: NodeAttestorServer }> {
  const agent = await agentPlugin.create(agentData, { trustDomain: TD, logger: silentLogger, now: Date.now });
  const server = await serverPlugin.create(serverData, serverDeps(authorities));
  return { agent, server };
}

/** Runs one attestation between the halves, recording the challenges exchanged. */
export async function attest(
  agent: NodeAttestorAgent,
  server: NodeAttestorServer,
  challenges: Buffer[] = [],
): ReturnType<NodeAttestorServer['attest']> {
  const payload = await agent.payload();
  return server.attest(payload, async (challenge) => {
    challenges.push(challenge);
    return (agent.respondToChallenge as (c: Buffer) => Promise<Buffer>)(challenge);
  });
}
