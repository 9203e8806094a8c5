import { InternalError, UnavailableError } from '@lanyard/base';
import type { AwsCredentials, AwsIidServerConfig } from './config';
import { signSigV4Post } from './sigv4-post';
import { type XmlElement, find, parseXml, textAt } from './xml';

/** Which AWS Query API a call goes to. */
export type AwsService = 'ec2' | 'iam' | 'sts';

const VERSIONS: Record<AwsService, string> = { ec2: '2016-11-15', iam: '2010-05-08', sts: '2011-06-15' };
const DNS_SUFFIX = { aws: 'amazonaws.com', 'aws-cn': 'amazonaws.com.cn', 'aws-us-gov': 'amazonaws.com' };
const IAM_REGION = { aws: 'us-east-1', 'aws-cn': 'cn-north-1', 'aws-us-gov': 'us-gov-west-1' };

/**
 * A small AWS Query API client (form-encoded POST, SigV4, XML answers) for the three calls aws_iid makes.
 * Lanyard does not pull in the AWS SDK v3 for them; endpoints can be overridden for tests and private endpoints.
 */
export class AwsQueryClient {
  constructor(
    private readonly config: Pick<AwsIidServerConfig, 'endpoints' | 'partition' | 'awsTimeoutMs'>,
    private readonly credentials: AwsCredentials,
    private readonly now: () => number,
  ) {}

  /** The same client with other credentials (after AssumeRole). */
  withCredentials(credentials: AwsCredentials): AwsQueryClient {
    return new AwsQueryClient(this.config, credentials, this.now);
  }

  /**
   * Calls `action` on `service` in `region` and returns the parsed XML answer.
   * @throws UnavailableError on network failures and 5xx; InternalError with AWS's error code otherwise.
   */
  async call(
    service: AwsService,
    region: string,
    action: string,
    params: Record<string, string>,
  ): Promise<XmlElement> {
    const signingRegion = service === 'iam' ? IAM_REGION[this.config.partition] : region;
    const url = new URL(this.endpoint(service, region));
    const body = new URLSearchParams({ Action: action, Version: VERSIONS[service], ...params }).toString();
    const headers = signSigV4Post(url, body, service, signingRegion, this.credentials, new Date(this.now()));
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.config.awsTimeoutMs),
      });
      text = await res.text();
    } catch (error) {
      throw new UnavailableError(
        `aws_iid: ${service} ${action} failed: ${(error as Error).message}`,
        'ERR_AWS_API',
        {
          cause: error,
        },
      );
    }
    const xml = parseXml(text);
    if (res.status >= 500)
      throw new UnavailableError(`aws_iid: ${service} ${action} answered HTTP ${res.status}`, 'ERR_AWS_API');
    if (res.status !== 200 || !xml) {
      const code = textAt(find(xml, 'Error'), 'Code') ?? `HTTP ${res.status}`;
      const message = textAt(find(xml, 'Error'), 'Message') ?? 'unparseable answer';
      throw new InternalError(`aws_iid: ${service} ${action} failed: ${code}: ${message}`, 'ERR_AWS_API');
    }
    return xml;
  }

  private endpoint(service: AwsService, region: string): string {
    const override = this.config.endpoints[service];
    if (override !== undefined) return override;
    const suffix = DNS_SUFFIX[this.config.partition];
    if (service === 'iam') {
      return this.config.partition === 'aws'
        ? 'https://iam.amazonaws.com/'
        : `https://iam.${IAM_REGION[this.config.partition]}.${suffix}/`;
    }
    return `https://${service}.${region}.${suffix}/`;
  }
}
