import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { EKSClient } from '@aws-sdk/client-eks';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { FailedPreconditionError, InternalError, type LanyardError, UnavailableError } from '@lanyard/base';
import type { AwsEndpointName, AwsIidServerConfig } from './config';

/** The AWS SDK v3 modules aws_iid uses, loaded together on first use. */
export interface AwsSdk {
  readonly ec2: typeof import('@aws-sdk/client-ec2');
  readonly iam: typeof import('@aws-sdk/client-iam');
  readonly organizations: typeof import('@aws-sdk/client-organizations');
  readonly eks: typeof import('@aws-sdk/client-eks');
  readonly autoScaling: typeof import('@aws-sdk/client-auto-scaling');
  readonly credentials: typeof import('@aws-sdk/credential-providers');
}

let sdkModules: Promise<AwsSdk> | undefined;

/**
 * Loads the AWS SDK on first use: it costs about a second of start-up and tens of MB, so a server whose
 * configuration has no `aws_iid` never pays for it.
 */
export function loadAwsSdk(): Promise<AwsSdk> {
  return (sdkModules ??= Promise.all([
    import('@aws-sdk/client-ec2'),
    import('@aws-sdk/client-iam'),
    import('@aws-sdk/client-organizations'),
    import('@aws-sdk/client-eks'),
    import('@aws-sdk/client-auto-scaling'),
    import('@aws-sdk/credential-providers'),
  ]).then(([ec2, iam, organizations, eks, autoScaling, credentials]) => ({
    ec2,
    iam,
    organizations,
    eks,
    autoScaling,
    credentials,
  })));
}

/** Temporary or static AWS credentials, as the SDK's credential providers return them. */
interface AwsCredentialIdentity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** A source of credentials the SDK clients call (and cache until `expiration`). */
type AwsCredentialIdentityProvider = () => Promise<AwsCredentialIdentity>;

/** The SDK clients of one account (after `assume_role`) in one region. */
export interface AwsAccountClients {
  readonly ec2: EC2Client;
  readonly iam: IAMClient;
  readonly eks: EKSClient;
  readonly autoScaling: AutoScalingClient;
}

/** IAM is global per partition; its calls are signed for this region. */
const IAM_REGION = { aws: 'us-east-1', 'aws-cn': 'cn-north-1', 'aws-us-gov': 'us-gov-west-1' } as const;

/** Session name of the roles the server assumes (shows in CloudTrail). */
const ROLE_SESSION_NAME = 'spire-server-aws-iid';

/**
 * Builds and keeps the SDK clients aws_iid calls. Base credentials are the configured keys, or else the SDK's
 * standard Node.js chain (environment, web identity token file as on EKS, shared config, ECS and EC2 instance
 * roles). With `assume_role`, the clients of an account use that role's temporary credentials, refreshed by
 * the SDK before they expire.
 */
export class AwsClientFactory {
  private readonly baseCredentials: AwsCredentialIdentityProvider;
  private readonly accounts = new Map<string, AwsAccountClients>();

  constructor(
    private readonly sdk: AwsSdk,
    private readonly config: AwsIidServerConfig,
  ) {
    this.baseCredentials =
      config.staticCredentials !== undefined
        ? async () => config.staticCredentials!
        : sdk.credentials.fromNodeProviderChain({ clientConfig: this.stsConfig() });
  }

  /** Clients for the account of an identity document in its region (assuming `assume_role` when set). */
  forAccount(region: string, accountId: string): AwsAccountClients {
    const key = `${region}/${accountId}`;
    let clients = this.accounts.get(key);
    if (!clients) {
      const credentials = this.config.assumeRole
        ? this.assumedRole(this.roleArn(accountId, this.config.assumeRole), region)
        : this.baseCredentials;
      clients = {
        ec2: new this.sdk.ec2.EC2Client(this.clientConfig('ec2', region, credentials)),
        iam: new this.sdk.iam.IAMClient(
          this.clientConfig('iam', IAM_REGION[this.config.partition], credentials),
        ),
        eks: new this.sdk.eks.EKSClient(this.clientConfig('eks', region, credentials)),
        autoScaling: new this.sdk.autoScaling.AutoScalingClient(
          this.clientConfig('autoscaling', region, credentials),
        ),
      };
      this.accounts.set(key, clients);
    }
    return clients;
  }

  /** An Organizations client with the role `roleName` of the management account. */
  organizations(managementAccountId: string, roleName: string, region: string): OrganizationsClient {
    const credentials = this.assumedRole(this.roleArn(managementAccountId, roleName), region);
    return new this.sdk.organizations.OrganizationsClient(
      this.clientConfig('organizations', region, credentials),
    );
  }

  private roleArn(accountId: string, roleName: string): string {
    return `arn:${this.config.partition}:iam::${accountId}:role/${roleName}`;
  }

  private assumedRole(roleArn: string, region: string): AwsCredentialIdentityProvider {
    return this.sdk.credentials.fromTemporaryCredentials({
      masterCredentials: this.baseCredentials,
      params: { RoleArn: roleArn, RoleSessionName: ROLE_SESSION_NAME },
      clientConfig: { ...this.stsConfig(), region },
    });
  }

  private stsConfig(): { endpoint?: string; requestHandler: RequestHandlerOptions } {
    const endpoint = this.config.endpoints.sts;
    return { ...(endpoint !== undefined && { endpoint }), requestHandler: this.requestHandler() };
  }

  private clientConfig(
    service: AwsEndpointName,
    region: string,
    credentials: AwsCredentialIdentityProvider,
  ): ClientOptions {
    const endpoint = this.config.endpoints[service];
    return {
      region,
      credentials,
      ...(endpoint !== undefined && { endpoint }),
      requestHandler: this.requestHandler(),
    };
  }

  private requestHandler(): RequestHandlerOptions {
    return { requestTimeout: this.config.awsTimeoutMs, connectionTimeout: this.config.awsTimeoutMs };
  }
}

interface RequestHandlerOptions {
  readonly requestTimeout: number;
  readonly connectionTimeout: number;
}

interface ClientOptions {
  readonly region: string;
  readonly credentials: AwsCredentialIdentityProvider;
  readonly endpoint?: string;
  readonly requestHandler: RequestHandlerOptions;
}

/** What an SDK error carries that tells a refusal by AWS from an outage. */
interface SdkErrorShape {
  readonly name?: string;
  readonly message?: string;
  readonly $fault?: 'client' | 'server';
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/**
 * Turns an AWS SDK failure of `what` (`ec2 DescribeInstances`) into a typed error: no credentials anywhere in
 * the chain → FailedPrecondition; AWS answering 5xx or not answering → Unavailable; any other AWS error code
 * (`AccessDenied`, `SignatureDoesNotMatch`) → Internal, with the code in the message.
 */
export function awsFailure(error: unknown, what: string): LanyardError {
  const e = (error ?? {}) as SdkErrorShape;
  const message = `aws_iid: ${what} failed: ${e.name ?? 'Error'}: ${e.message ?? String(error)}`;
  if (e.name === 'CredentialsProviderError') {
    return new FailedPreconditionError(
      `aws_iid: no AWS credentials: set access_key_id and secret_access_key, or give the server an instance role, a web identity token or AWS_* environment variables (${e.message ?? ''})`,
      'ERR_AWS_CREDENTIALS',
      { cause: error },
    );
  }
  const status = e.$metadata?.httpStatusCode;
  if (e.$fault === 'client' && status !== undefined && status < 500) {
    return new InternalError(message, 'ERR_AWS_API', { cause: error });
  }
  return new UnavailableError(message, 'ERR_AWS_API', { cause: error });
}

/** Runs one SDK call, turning its failure into a typed error naming `what`. */
export async function awsCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw awsFailure(error, what);
  }
}
