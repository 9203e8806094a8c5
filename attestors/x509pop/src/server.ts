import { X509Certificate } from 'node:crypto';
import type {
  ChallengeExchange,
  NodeAttestationResult,
  NodeAttestorServer,
  NodeAttestorServerPlugin,
  PluginData,
  ServerAttestorDeps,
} from '@lanyard/attestor-core';
import { sortedUniqueSelectors } from '@lanyard/attestor-core';
import { InternalError, InvalidArgumentError, PermissionDeniedError } from '@lanyard/base';
import { X509SvidError } from '@lanyard/spiffe/errors';
import { certificateInfo, verifyCertificateChain } from '@lanyard/spiffe/x509';
import { issueChallenge, verifyChallengeResponse } from './challenge';
import { parseX509PopServerConfig, type X509PopServerConfig } from './server-config';
import {
  fingerprint,
  messageLimits,
  parseMessage,
  serialNumberHex,
  X509POP_PLUGIN_NAME,
  x509popSelector,
} from './shared';

function invalid(reason: string): InvalidArgumentError {
  return messageLimits('attestation data').invalid(reason);
}

function parseCertificate(b64: unknown, what: string): X509Certificate {
  try {
    if (typeof b64 !== 'string') throw new Error('not a base64 string');
    return new X509Certificate(Buffer.from(b64, 'base64'));
  } catch (error) {
    throw invalid(`unable to parse ${what}: ${(error as Error).message}`);
  }
}

/** The leaf's Subject CN (the last one, as Go's `pkix.Name` keeps), or `''`. */
export function commonName(cert: X509Certificate): string {
  const cns = (cert.subject ?? '').split('\n').filter((line) => line.startsWith('CN='));
  return cns.length === 0 ? '' : cns[cns.length - 1].slice(3);
}

/** `x509pop://<td>/<key>/<value>` URI SANs of the leaf as a key → value map. */
function uriSanSelectors(leaf: X509Certificate, trustDomain: string): Record<string, string> {
  const prefix = `x509pop://${trustDomain}/`;
  const map: Record<string, string> = {};
  for (const uri of certificateInfo(leaf).uris) {
    if (!uri.startsWith(prefix)) continue;
    const path = uri.slice(prefix.length).replace(/^\/+|\/+$/g, '');
    const slash = path.indexOf('/');
    if (slash > 0) map[path.slice(0, slash)] = path.slice(slash + 1);
  }
  return map;
}

/**
 * Server half of `x509pop`: verifies the presented chain against the CA bundle (or, in `spiffe` mode, the trust
 * domain's own bundle), challenges the agent to sign a nonce with the leaf's key, and issues
 * `spiffe://<td>/spire/agent/x509pop/<sha1 fingerprint>` (or the `agent_path_template` path) with
 * `x509pop:subject:cn`, `x509pop:ca:fingerprint`, `x509pop:serialnumber` and `x509pop:san` selectors.
 */
export class X509PopServerAttestor implements NodeAttestorServer {
  readonly name = X509POP_PLUGIN_NAME;

  constructor(
    private readonly config: X509PopServerConfig,
    private readonly deps: ServerAttestorDeps,
  ) {}

  /** Verifies the chain, runs the proof-of-possession challenge, returns agent ID and selectors. */
  async attest(payload: Buffer, challenge: ChallengeExchange): Promise<NodeAttestationResult> {
    const [leaf, ...intermediates] = this.parseChain(payload);
    const chain = this.verifyChain(leaf, intermediates);
    const issued = issueChallenge(leaf);
    verifyChallengeResponse(leaf.publicKey, issued, await challenge(issued.bytes));
    const trustDomain = this.deps.trustDomain;
    const sans = uriSanSelectors(leaf, trustDomain);
    const agentId = this.config.template.agentId(trustDomain, {
      PluginName: X509POP_PLUGIN_NAME,
      TrustDomain: trustDomain,
      Fingerprint: fingerprint(leaf),
      SerialNumberHex: serialNumberHex(leaf),
      SVIDPathTrimmed: this.config.mode === 'spiffe' ? this.svidPathTrimmed(leaf) : '',
      Subject: { CommonName: commonName(leaf) },
      URISanSelectors: sans,
    });
    const cn = commonName(leaf);
    const selectors = [
      ...(cn ? [x509popSelector('subject', 'cn', cn)] : []),
      ...chain.slice(1).map((cert) => x509popSelector('ca', 'fingerprint', fingerprint(cert))),
      x509popSelector('serialnumber', serialNumberHex(leaf)),
      ...Object.entries(sans).map(([key, value]) => x509popSelector('san', key, value)),
    ];
    return { agentId, selectors: sortedUniqueSelectors(X509POP_PLUGIN_NAME, selectors), canReattest: true };
  }

  private parseChain(payload: Buffer): X509Certificate[] {
    const certificates = parseMessage(payload, 'attestation data').certificates;
    if (!Array.isArray(certificates) || certificates.length === 0) throw invalid('no certificate to attest');
    if (certificates.length - 1 > this.config.maxIntermediates) {
      throw invalid(
        `too many intermediate certificates (${certificates.length - 1} > ${this.config.maxIntermediates})`,
      );
    }
    const chain = certificates.map((c, i) =>
      parseCertificate(c, i === 0 ? 'leaf certificate' : `intermediate certificate ${i - 1}`),
    );
    chain.forEach((cert, i) => {
      const bits =
        cert.publicKey.asymmetricKeyType === 'rsa' ? cert.publicKey.asymmetricKeyDetails?.modulusLength : 0;
      if ((bits ?? 0) > this.config.maxRsaKeySize) {
        throw invalid(
          `${i === 0 ? 'leaf certificate' : `intermediate certificate ${i - 1}`} key size too large`,
        );
      }
    });
    return chain;
  }

  private verifyChain(leaf: X509Certificate, intermediates: X509Certificate[]): X509Certificate[] {
    const roots = this.config.mode === 'spiffe' ? this.trustBundle() : this.config.caBundle;
    try {
      return verifyCertificateChain(leaf, intermediates, roots, {
        now: this.deps.now(),
        what: 'leaf certificate',
      });
    } catch (error) {
      if (!(error instanceof X509SvidError)) throw error;
      throw new PermissionDeniedError(
        `${X509POP_PLUGIN_NAME}: certificate verification failed: ${error.message}`,
        'ERR_X509POP_UNTRUSTED',
      );
    }
  }

  private trustBundle(): readonly X509Certificate[] {
    const roots = this.deps.x509Authorities?.() ?? [];
    if (roots.length === 0) {
      throw new InternalError(
        `${X509POP_PLUGIN_NAME}: failed to get trust bundle: the server has no X.509 authorities`,
      );
    }
    return roots;
  }

  private svidPathTrimmed(leaf: X509Certificate): string {
    const spiffe = certificateInfo(leaf).uris.find((uri) => uri.startsWith('spiffe://'));
    if (spiffe === undefined) {
      throw new PermissionDeniedError(
        `${X509POP_PLUGIN_NAME}: valid SVID x509 cert not found`,
        'ERR_X509POP_SVID',
      );
    }
    const path = new URL(spiffe).pathname;
    if (!path.startsWith(this.config.svidPrefix)) {
      throw new PermissionDeniedError(
        `${X509POP_PLUGIN_NAME}: x509 cert doesnt match SVID prefix ${this.config.svidPrefix}`,
        'ERR_X509POP_SVID',
      );
    }
    return path.slice(this.config.svidPrefix.length);
  }
}

/** Catalog registration of the server half; CA bundles are loaded when it is created. */
export const serverPlugin: NodeAttestorServerPlugin = {
  name: X509POP_PLUGIN_NAME,
  async create(pluginData: PluginData, deps: ServerAttestorDeps): Promise<NodeAttestorServer> {
    return new X509PopServerAttestor(await parseX509PopServerConfig(pluginData), deps);
  },
};

/* This file is the package's `./server` entry: the server half and the shared names, never the agent half. */
export * from './shared';
