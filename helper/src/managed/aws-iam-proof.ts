/**
 * The AWS proof: an STS `GetCallerIdentity` request signed (SigV4, AWS's own signer) with the runtime's
 * credentials but never sent; the server forwards it to STS and learns the caller's role. The signature covers
 * `x-lanyard-server-id`, so the proof cannot be replayed to another service.
 */
import { randomBytes } from 'node:crypto';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsIamProof, ProofProvider } from '@lanyard/spiffe/managed';
import { proofError, proofOptionError } from './proof-error';

/** The credentials the signer accepts: a fixed set or an AWS SDK credential provider (e.g. `fromEnv()`). */
export type AwsProofCredentials = ConstructorParameters<typeof SignatureV4>[0]['credentials'];

/** Options of {@link awsIamProof}. */
export interface AwsIamProofOptions {
  /** The server's `server_id`, sent (and signed) as `x-lanyard-server-id`. */
  readonly serverId: string;
  /** STS endpoint to sign for (default: `AWS_ENDPOINT_URL_STS`, else `https://sts.amazonaws.com/`). */
  readonly stsEndpoint?: string;
  /** Signing region (default: from a regional endpoint's host, `us-east-1` for the global one, else `AWS_REGION`). */
  readonly region?: string;
  /** Default: the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), as on Lambda. */
  readonly credentials?: AwsProofCredentials;
  /** Environment read for the defaults (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
}

/** The header carrying the server ID inside the signature. */
export const SERVER_ID_HEADER = 'x-lanyard-server-id';
/**
 * A random signed header: two proofs signed with the same credentials in the same second would otherwise be
 * byte-identical, and the server takes each signature once.
 */
export const NONCE_HEADER = 'x-lanyard-nonce';
/** The exact body of the signed request. */
export const GET_CALLER_IDENTITY_BODY = 'Action=GetCallerIdentity&Version=2011-06-15';
const GLOBAL_STS = 'https://sts.amazonaws.com/';

function stsUrl(options: AwsIamProofOptions, env: NodeJS.ProcessEnv): URL {
  const raw = options.stsEndpoint ?? (env.AWS_ENDPOINT_URL_STS || GLOBAL_STS);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw proofOptionError('aws_iam', `stsEndpoint "${raw}" is not a URL`);
  }
  if (url.protocol !== 'https:') throw proofOptionError('aws_iam', `stsEndpoint "${raw}" must be https`);
  return url;
}

function signingRegion(url: URL, options: AwsIamProofOptions, env: NodeJS.ProcessEnv): string {
  if (options.region) return options.region;
  const regional = /^sts\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(url.hostname);
  if (regional) return regional[1];
  if (url.hostname === 'sts.amazonaws.com') return 'us-east-1';
  return env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
}

/**
 * A {@link ProofProvider} of `aws_iam` proofs; each call signs a new request with a fresh nonce (the server
 * refuses a signature it has seen).
 *
 * @example
 * ```ts
 * const proof = awsIamProof({ serverId: 'spire.example.org' }); // Lambda: credentials from the environment
 * ```
 */
export function awsIamProof(options: AwsIamProofOptions): ProofProvider {
  if (!options.serverId) throw proofOptionError('aws_iam', 'serverId is required');
  const env = options.env ?? process.env;
  const url = stsUrl(options, env);
  const signer = new SignatureV4({
    credentials: options.credentials ?? fromEnv(),
    region: signingRegion(url, options, env),
    service: 'sts',
    sha256: Hash.bind(null, 'sha256'),
  });
  return {
    type: 'aws_iam',
    async getProof(): Promise<AwsIamProof> {
      let signed;
      try {
        signed = await signer.sign({
          method: 'POST',
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port ? Number(url.port) : undefined,
          path: url.pathname,
          headers: {
            host: url.host,
            'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
            [SERVER_ID_HEADER]: options.serverId,
            [NONCE_HEADER]: randomBytes(16).toString('hex'),
          },
          body: GET_CALLER_IDENTITY_BODY,
        });
      } catch (err) {
        throw proofError(
          'aws_iam',
          `cannot sign with the runtime's credentials: ${(err as Error).message}`,
          err,
        );
      }
      return {
        type: 'aws_iam',
        method: 'POST',
        url: url.toString(),
        headers: { ...(signed.headers as Record<string, string>) },
        body: GET_CALLER_IDENTITY_BODY,
      };
    },
  };
}
