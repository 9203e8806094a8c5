/** The three places keys come from, as SPIRE's provider reads them: server API, Workload API, file. */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { UnavailableError } from '@lanyard/base';
import { unary } from '@lanyard/base/grpc';
import { loadSpireServerApis, type Bundle__Output } from '@lanyard/proto';
import { JwtBundle, TrustDomain, WorkloadApiClient } from '@lanyard/spiffe';
import type { KeySourceConfig } from '../config/types';
import { PollingKeySource, type FetchAuthorities, type SourceLogger } from './key-source';

/** Deadline of one poll's RPC. */
const CALL_TIMEOUT_MS = 10_000;

/** Label of keys read from a `file` source (a SPIFFE bundle or JWKS document names no trust domain). */
const FILE_TRUST_DOMAIN = TrustDomain.parse('file');

/** Reads the JWT authorities of the server's own bundle (`Bundle.GetBundle` on the admin socket). */
function serverApiFetch(socketPath: string): { fetch: FetchAuthorities; close(): void } {
  const Bundle = loadSpireServerApis().spire.api.server.bundle.v1.Bundle;
  const client = new Bundle(`unix:${socketPath}`, grpc.credentials.createInsecure());
  const fetch: FetchAuthorities = () =>
    unary<Bundle__Output>(
      (options, callback) => client.GetBundle({ output_mask: { jwt_authorities: true } }, options, callback),
      CALL_TIMEOUT_MS,
    ).then(authoritiesOf, (err: ServiceError) => {
      throw new UnavailableError(`GetBundle: ${err.details || err.message}`, 'ERR_KEY_SOURCE');
    });
  return { fetch, close: () => client.close() };
}

function authoritiesOf(bundle: Bundle__Output): ReadonlyMap<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const key of bundle.jwt_authorities) {
    if (!key.key_id) continue;
    keys.set(key.key_id, createPublicKey({ key: Buffer.from(key.public_key), format: 'der', type: 'spki' }));
  }
  return keys;
}

/** Reads the trust domain's JWT bundle from the Workload API (`FetchJWTBundles`). */
function workloadApiFetch(
  socketPath: string,
  trustDomain: string,
): { fetch: FetchAuthorities; close(): void } {
  const client = new WorkloadApiClient({ address: `unix:${socketPath}`, callTimeoutMs: CALL_TIMEOUT_MS });
  const td = TrustDomain.parse(trustDomain);
  const fetch: FetchAuthorities = async () => {
    const bundles = await client.fetchJwtBundles();
    const bundle = bundles.get(td);
    if (!bundle)
      throw new UnavailableError(`no JWT bundle for trust domain "${trustDomain}"`, 'ERR_KEY_SOURCE');
    return bundle.jwtAuthorities;
  };
  return { fetch, close: () => void client.close() };
}

/** Reads a SPIFFE bundle (or plain JWKS) document from a file. */
function fileFetch(path: string): FetchAuthorities {
  return async () => JwtBundle.parse(FILE_TRUST_DOMAIN, await readFile(path)).jwtAuthorities;
}

/** A started source and how to close what it holds open. */
export interface OpenKeySource {
  readonly source: PollingKeySource;
  close(): void;
}

/** Creates the configured key source (not yet started). */
export function openKeySource(config: KeySourceConfig, logger: SourceLogger): OpenKeySource {
  switch (config.kind) {
    case 'server_api': {
      const api = serverApiFetch(config.socketPath);
      const source = new PollingKeySource(
        api.fetch,
        config.pollIntervalMs,
        `server_api unix://${config.socketPath}`,
        logger,
      );
      return { source, close: () => (source.stop(), api.close()) };
    }
    case 'workload_api': {
      const api = workloadApiFetch(config.socketPath, config.trustDomain);
      const source = new PollingKeySource(
        api.fetch,
        config.pollIntervalMs,
        `workload_api ${config.socketPath}`,
        logger,
      );
      return { source, close: () => (source.stop(), api.close()) };
    }
    case 'file': {
      const source = new PollingKeySource(
        fileFetch(config.path),
        config.pollIntervalMs,
        `file ${config.path}`,
        logger,
      );
      return { source, close: () => source.stop() };
    }
  }
}
