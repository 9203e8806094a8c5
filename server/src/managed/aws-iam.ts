/** The `aws_iam` proof: a pre-signed STS `GetCallerIdentity` request, checked, used once, forwarded to STS. */
import { UnauthenticatedError } from '@lanyard/base';
import { checkAwsProof } from './aws-signed-request';
import type { ManagedAwsIamConfig } from './config';
import { type ManagedCaller, managedSelector } from './identity';
import type { ReplayCache } from './replay-cache';
import { StsClient } from './sts-client';
import type { StsCallerIdentity } from './sts-response';

/** What {@link AwsIamVerifier} needs besides its config block. */
export interface AwsIamVerifierOptions {
  readonly config: ManagedAwsIamConfig;
  readonly serverId: string;
  readonly maxProofAgeMs: number;
  readonly replay: ReplayCache;
  readonly now: () => number;
}

/** Slack added to a proof's replay-cache lifetime, covering clock skew. */
const REPLAY_SLACK_MS = 60_000;

/** Verifies `aws_iam` proofs. */
export class AwsIamVerifier {
  private readonly endpoint: URL;
  private readonly sts: StsClient;

  constructor(private readonly options: AwsIamVerifierOptions) {
    this.endpoint = new URL(`${options.config.stsEndpoint}/`.replace(/\/+$/, '/'));
    this.sts = new StsClient({ endpoint: this.endpoint, caFile: options.config.stsCaFile });
  }

  /** @throws UnauthenticatedError for a proof that fails a check, was seen before, or STS refuses. */
  async verify(proof: Record<string, unknown>): Promise<ManagedCaller> {
    const signed = checkAwsProof(proof, {
      stsEndpoint: this.endpoint,
      serverId: this.options.serverId,
      maxProofAgeMs: this.options.maxProofAgeMs,
      nowMs: this.options.now(),
    });
    const expiresAt = signed.signedAtMs + this.options.maxProofAgeMs + REPLAY_SLACK_MS;
    if (!this.options.replay.use(signed.signature, expiresAt)) {
      throw new UnauthenticatedError(
        'aws_iam proof: replayed (this signed request was already used)',
        'ERR_MANAGED_REPLAY',
      );
    }
    return awsCaller(await this.sts.callerIdentity(signed));
  }
}

const ASSUMED_ROLE = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/;
const IAM_USER = /^arn:aws[\w-]*:iam::\d{12}:user\/.+$/;

/**
 * Selectors of an STS caller: always `aws_iam:account:<acct>`; `aws_iam:role:<role ARN>` for a role session
 * (the assumed-role ARN without the session; STS does not report the role path, so the ARN has none);
 * `aws_iam:user:<ARN>` for an IAM user.
 */
export function awsCaller(identity: StsCallerIdentity): ManagedCaller {
  const selectors = [managedSelector('aws_iam', 'account', identity.account)];
  let principal = identity.arn;
  const role = ASSUMED_ROLE.exec(identity.arn);
  if (role) {
    principal = `arn:${role[1]}:iam::${role[2]}:role/${role[3]}`;
    selectors.push(managedSelector('aws_iam', 'role', principal));
  } else if (IAM_USER.test(identity.arn)) {
    selectors.push(managedSelector('aws_iam', 'user', identity.arn));
  }
  return { cloud: 'aws_iam', principal, selectors };
}
