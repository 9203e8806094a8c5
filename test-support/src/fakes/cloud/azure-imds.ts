import type { FakeAzureApis } from './azure-apis';
import { type FakeAzureVm, sampleAzureVm, vmResourceId } from './azure-model';
import { HttpFake, type FakeResponse, type RecordedRequest, json } from './http-fake';
import { signPkcs7 } from './pkcs7';
import { mintManagedIdentityToken } from './azure-mi-token';

/**
 * Loopback fake of the Azure Instance Metadata Service for one VM. Every request needs `Metadata: true`
 * and an `api-version` (else 400, like IMDS) and must not carry `X-Forwarded-For`. Serves:
 * `/metadata/identity/oauth2/token?resource=…` (an Entra ID v1 access token for the VM's managed identity,
 * signed with {@link FakeAzureApis.tokenSigner}), `/metadata/instance` (compute metadata), and
 * `/metadata/attested/document?nonce=…` (`{ encoding: "pkcs7", signature }`, signed by the fake's PKI leaf).
 */
export class FakeAzureImds extends HttpFake {
  vm: FakeAzureVm = sampleAzureVm();
  /** Seconds added to "now" for token and document timestamps (negative → already expired). */
  clockOffsetSeconds = 0;
  /** Scale set name reported by `/metadata/instance` when {@link vm} has no `scaleSet` (empty: a standalone VM). */
  vmScaleSetName = '';

  constructor(private readonly apis: FakeAzureApis) {
    super((req, url) => this.route(req, url));
  }

  private async route(req: RecordedRequest, url: URL): Promise<FakeResponse> {
    if (req.headers['x-forwarded-for'] !== undefined) return json(403, { error: 'Forbidden' });
    if (req.headers.metadata !== 'true') {
      return json(400, { error: 'Bad request. Required metadata header not specified' });
    }
    if (!url.searchParams.get('api-version'))
      return json(400, { error: 'Bad request. api-version was not specified in the request' });
    // MSAL's managed-identity client asks for `/metadata/identity/oauth2/token/`; IMDS answers both spellings.
    switch (req.path.replace(/(.)\/+$/, '$1')) {
      case '/metadata/identity/oauth2/token':
        return this.token(url.searchParams.get('resource'));
      case '/metadata/instance':
        return json(200, { compute: this.compute() });
      case '/metadata/attested/document':
        return this.attested(url.searchParams.get('nonce') ?? '');
      default:
        return json(404, { error: 'Not found' });
    }
  }

  private now(): number {
    return Math.floor(Date.now() / 1000) + this.clockOffsetSeconds;
  }

  private token(resource: string | null): FakeResponse {
    if (!resource)
      return json(400, {
        error: 'invalid_request',
        error_description: 'Required query variable resource is missing',
      });
    const token = mintManagedIdentityToken(this.apis.tokenSigner, {
      tenantId: this.vm.tenantId,
      principalId: this.vm.principalId,
      resource,
      nowSeconds: this.now(),
      resourceId: vmResourceId(this.vm),
    });
    this.apis.acceptAccessToken(token.accessToken);
    return json(200, {
      access_token: token.accessToken,
      expires_in: String(token.lifetimeSeconds),
      expires_on: String(token.expiresOn),
      not_before: String(token.notBefore),
      resource,
      token_type: 'Bearer',
    });
  }

  private compute(): Record<string, string> {
    return {
      name: this.vm.name,
      location: this.vm.location,
      resourceGroupName: this.vm.resourceGroup,
      subscriptionId: this.vm.subscriptionId,
      vmId: this.vm.vmId,
      vmScaleSetName: this.vm.scaleSet?.name ?? this.vmScaleSetName,
      azEnvironment: 'AzurePublicCloud',
    };
  }

  private async attested(nonce: string): Promise<FakeResponse> {
    const created = this.now();
    const content = {
      licenseType: '',
      nonce,
      plan: { name: '', product: '', publisher: '' },
      sku: '22_04-lts-gen2',
      subscriptionId: this.vm.subscriptionId,
      timeStamp: { createdOn: azureTime(created), expiresOn: azureTime(created + 6 * 3600) },
      vmId: this.vm.vmId,
    };
    const der = signPkcs7(this.apis.pki.leaf, Buffer.from(JSON.stringify(content)), {
      embedCertificates: [this.apis.pki.leaf],
    });
    return json(200, { encoding: 'pkcs7', signature: der.toString('base64') });
  }
}

/** Azure's attested-document time format: `MM/DD/YY HH:MM:SS -0000`. */
export function azureTime(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const p = (n: number): string => String(n).padStart(2, '0');
  const date = `${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/${p(d.getUTCFullYear() % 100)}`;
  return `${date} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} -0000`;
}
