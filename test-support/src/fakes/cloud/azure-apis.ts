import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FakeAzureVm, nicResourceId, scaleSetResourceId, vmResourceId } from './azure-model';
import { HttpsFake, type TlsRecordedRequest } from '../kube/https-fake';
import { type FakeResponse, json } from './http-fake';
import { type SigningIdentity, createSigningIdentity, publicJwk } from './signing-identity';

/** The PKI behind Azure IMDS attested documents: root → intermediate → leaf (SAN `*.metadata.azure.com`). */
export interface FakeAzurePki {
  readonly root: SigningIdentity;
  readonly intermediate: SigningIdentity;
  readonly leaf: SigningIdentity;
}

/** Options of {@link FakeAzureApis.create}. */
export interface FakeAzureApisOptions {
  /**
   * Serve HTTPS with a certificate from {@link FakeAzureApis.caPem} instead of plain HTTP. The Azure SDK needs it:
   * `@azure/identity` and the ARM clients refuse bearer tokens and authority hosts over plain HTTP.
   */
  readonly tls?: boolean;
}

const INTERMEDIATE_PATH = '/pkiops/certs/Fake%20Azure%20TLS%20Issuing%20CA.crt';

/**
 * Loopback fake of Microsoft Entra ID (login.microsoftonline.com) and Azure Resource Manager:
 * OIDC discovery (`/<tenant>/.well-known/openid-configuration`, also for tenant domains), the signing keys
 * (`/common/discovery/keys`), the client-credentials token endpoint (`/<tenant>/oauth2/v2.0/token`), ARM reads for
 * VMs and NICs (Bearer token required → 401 `AuthenticationFailed`, unknown → 404 `ResourceNotFound`), and the
 * intermediate certificate the attested-document signer's AIA extension points at. ARM also accepts the access tokens
 * {@link acceptAccessToken} registers (managed-identity tokens from `FakeAzureImds`). Plain HTTP by default, HTTPS
 * with `{ tls: true }`.
 */
export class FakeAzureApis extends HttpsFake {
  /** Tenant domains (`contoso.onmicrosoft.com`) → tenant IDs. */
  readonly tenantDomains = new Map<string, string>();
  /** App registrations: `<tenant>/<app id>` → secret. */
  readonly apps = new Map<string, string>();
  /** Federated credentials: `<tenant>/<app id>` → the client assertion (JWT) the app presents instead of a secret. */
  readonly appAssertions = new Map<string, string>();
  readonly vms: FakeAzureVm[] = [];
  /** Tenants known besides those of {@link vms} (e.g. an App Service identity's tenant). */
  readonly tenants = new Set<string>();
  private readonly accessTokens = new Set<string>();
  /** Signs IMDS attested documents; completed once `start()` knows the URL for the AIA extension. */
  private pkiValue?: FakeAzurePki;
  /** In TLS mode, the plain-HTTP listener serving the AIA intermediate (Azure serves it over http). */
  private aiaServer?: http.Server;
  private aiaBase?: string;

  private constructor(
    /** Signs MSI access tokens; published in the JWKS. */
    readonly tokenSigner: SigningIdentity,
    private readonly pkiRoot: { root: SigningIdentity; intermediate: SigningIdentity },
    options: FakeAzureApisOptions,
  ) {
    super((req, url) => this.route(req, url), { plainHttp: !options.tls });
  }

  /**
   * Creates the fake (call `start()` next; the PKI leaf is issued at start so its AIA URL points here).
   * Pass an earlier fake to reuse its token signer, root and intermediate instead of generating new keys.
   */
  static async create(reuse?: FakeAzureApis, options: FakeAzureApisOptions = {}): Promise<FakeAzureApis> {
    if (reuse) return new FakeAzureApis(reuse.tokenSigner, reuse.pkiRoot, options);
    const root = await createSigningIdentity({ commonName: 'Fake Azure Root CA', isCa: true });
    const intermediate = await createSigningIdentity({
      commonName: 'Fake Azure TLS Issuing CA',
      isCa: true,
      issuer: root,
    });
    const tokenSigner = await createSigningIdentity({ commonName: 'accounts.accesscontrol.windows.net' });
    return new FakeAzureApis(tokenSigner, { root, intermediate }, options);
  }

  /** `127.0.0.1:<port>`, for configs that take a host instead of a URL. */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Lets ARM accept `token` as a Bearer token (e.g. a managed-identity token another fake minted). */
  acceptAccessToken(token: string): void {
    this.accessTokens.add(token);
  }

  /**
   * Starts listening and issues the attested-document signer with an AIA URL pointing at this fake (in TLS mode, at
   * a second, plain-HTTP listener that serves only the intermediate and records its requests here too).
   */
  override async start(): Promise<string> {
    const url = await super.start();
    this.aiaBase = url.startsWith('https:') ? await this.startAiaListener() : url;
    const leaf = await createSigningIdentity({
      commonName: 'metadata.azure.com',
      issuer: this.pkiRoot.intermediate,
      dnsNames: ['metadata.azure.com', 'eastus.metadata.azure.com'],
      caIssuersUrl: `${this.aiaBase}${INTERMEDIATE_PATH}`,
    });
    this.pkiValue = { ...this.pkiRoot, leaf };
    return url;
  }

  override async stop(): Promise<void> {
    const aia = this.aiaServer;
    this.aiaServer = undefined;
    if (aia) {
      aia.closeAllConnections();
      await new Promise<void>((resolve) => aia.close(() => resolve()));
    }
    await super.stop();
  }

  /** Base URL the AIA `caIssuers` extension points at (plain HTTP, like Azure's). */
  get aiaUrl(): string {
    if (this.aiaBase === undefined) throw new Error('FakeAzureApis is not started');
    return this.aiaBase;
  }

  /** `host:port` of {@link aiaUrl}, for `intermediate_issuer_hosts`. */
  get aiaHost(): string {
    return new URL(this.aiaUrl).host;
  }

  private async startAiaListener(): Promise<string> {
    const server = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://fake.invalid').pathname;
      this.requests.push({ method: req.method ?? 'GET', path, query: '', headers: req.headers, body: '' });
      const answer =
        path === INTERMEDIATE_PATH
          ? this.route(this.requests[this.requests.length - 1], new URL('http://x'))
          : json(404, {});
      res.writeHead(answer.status, answer.headers).end(answer.body);
    });
    this.aiaServer = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** The attested-document PKI (available after `start()`). */
  get pki(): FakeAzurePki {
    if (!this.pkiValue) throw new Error('FakeAzureApis is not started');
    return this.pkiValue;
  }

  private route(req: TlsRecordedRequest, url: URL): FakeResponse {
    if (req.path === INTERMEDIATE_PATH)
      return {
        status: 200,
        body: this.pki.intermediate.certDer,
        headers: { 'content-type': 'application/pkix-cert' },
      };
    const discovery = /^\/([^/]+)(?:\/v2\.0)?\/\.well-known\/openid-configuration$/.exec(req.path);
    if (discovery) return this.discovery(discovery[1], req.path.includes('/v2.0/'));
    if (/^\/[^/]+\/discovery(\/v2\.0)?\/keys$/.test(req.path)) {
      const jwk = {
        ...publicJwk(this.tokenSigner),
        x5t: x5t(this.tokenSigner),
        x5c: [this.tokenSigner.certDer.toString('base64')],
      };
      return json(200, { keys: [jwk] });
    }
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(req.path);
    if (token && req.method === 'POST')
      return this.clientCredentials(token[1], new URLSearchParams(req.body));
    if (req.path.startsWith('/subscriptions/')) return this.arm(req, url);
    return json(404, { error: 'not_found' });
  }

  private discovery(tenant: string, v2: boolean): FakeResponse {
    const tid = tenant === 'common' ? '{tenantid}' : (this.tenantDomains.get(tenant) ?? tenant);
    if (
      tenant !== 'common' &&
      !this.vms.some((vm) => vm.tenantId === tid) &&
      !this.tenants.has(tid) &&
      !this.tenantDomains.has(tenant)
    ) {
      return json(400, {
        error: 'invalid_tenant',
        error_description: `AADSTS90002: Tenant '${tenant}' not found.`,
      });
    }
    const oauth2 = `${this.url}/${tenant}/oauth2${v2 ? '/v2.0' : ''}`;
    return json(200, {
      issuer: v2 ? `https://login.microsoftonline.com/${tid}/v2.0` : `https://sts.windows.net/${tid}/`,
      jwks_uri: `${this.url}/common/discovery${v2 ? '/v2.0' : ''}/keys`,
      authorization_endpoint: `${oauth2}/authorize`,
      token_endpoint: `${oauth2}/token`,
      end_session_endpoint: `${oauth2}/logout`,
      id_token_signing_alg_values_supported: ['RS256'],
    });
  }

  private clientCredentials(tenant: string, form: URLSearchParams): FakeResponse {
    if (form.get('grant_type') !== 'client_credentials')
      return json(400, { error: 'unsupported_grant_type' });
    const key = `${tenant}/${form.get('client_id') ?? ''}`;
    const assertion = form.get('client_assertion');
    const valid =
      form.get('client_assertion_type') === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
        ? assertion !== null && this.appAssertions.get(key) === assertion
        : this.apps.has(key) && this.apps.get(key) === form.get('client_secret');
    if (!valid) {
      return json(401, {
        error: 'invalid_client',
        error_description: 'AADSTS7000215: Invalid client secret provided.',
      });
    }
    const value = randomBytes(24).toString('base64url');
    this.accessTokens.add(value);
    return json(200, { token_type: 'Bearer', expires_in: 3599, access_token: value });
  }

  private arm(req: TlsRecordedRequest, url: URL): FakeResponse {
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !this.accessTokens.has(auth.slice(7))) {
      return json(401, { error: { code: 'AuthenticationFailed', message: 'Authentication failed.' } });
    }
    if (!url.searchParams.get('api-version'))
      return json(400, {
        error: {
          code: 'MissingApiVersionParameter',
          message: 'The api-version query parameter is required.',
        },
      });
    const path = req.path.toLowerCase();
    for (const vm of this.vms) {
      const sub = `/subscriptions/${vm.subscriptionId}`.toLowerCase();
      if (path === `${sub}/resources`)
        return this.listByPrincipal(vm.subscriptionId, url.searchParams.get('$filter') ?? '');
      const inSubscription = this.vms.filter((v) => v.subscriptionId === vm.subscriptionId);
      if (path === `${sub}/providers/microsoft.compute/virtualmachines`) {
        return json(200, { value: inSubscription.filter((v) => !v.scaleSet).map(vmJson) });
      }
      if (path === `${sub}/providers/microsoft.compute/virtualmachinescalesets`) {
        return json(200, { value: scaleSetsJson(inSubscription) });
      }
      if (vm.scaleSet && path === `${scaleSetResourceId(vm)}/virtualMachines`.toLowerCase()) {
        const members = inSubscription.filter((v) => v.scaleSet?.name === vm.scaleSet?.name);
        return json(200, { value: members.map(scaleSetVmJson) });
      }
      if (path === vmResourceId(vm).toLowerCase()) return json(200, vmJson(vm));
      for (const nic of vm.nics)
        if (path === nicResourceId(vm, nic).toLowerCase()) return json(200, nicJson(vm, nic));
    }
    return json(404, {
      error: { code: 'ResourceNotFound', message: `The Resource '${req.path}' was not found.` },
    });
  }

  private listByPrincipal(subscriptionId: string, filter: string): FakeResponse {
    const principal = /identity\/principalId eq '([^']+)'/.exec(filter)?.[1];
    const matches = this.vms.filter(
      (vm) =>
        vm.subscriptionId === subscriptionId && (principal === undefined || vm.principalId === principal),
    );
    return json(200, {
      value: matches.map((vm) => ({
        id: vmResourceId(vm),
        name: vm.name,
        type: 'Microsoft.Compute/virtualMachines',
        location: vm.location,
      })),
    });
  }
}

function vmJson(vm: FakeAzureVm): Record<string, unknown> {
  return {
    id: vmResourceId(vm),
    name: vm.name,
    type: 'Microsoft.Compute/virtualMachines',
    location: vm.location,
    tags: vm.tags,
    identity: { type: 'SystemAssigned', principalId: vm.principalId, tenantId: vm.tenantId },
    properties: {
      vmId: vm.vmId,
      networkProfile: { networkInterfaces: vm.nics.map((nic) => ({ id: nicResourceId(vm, nic) })) },
    },
  };
}

/** The scale sets of `vms` (one entry per scale-set name), as ARM lists `virtualMachineScaleSets`. */
function scaleSetsJson(vms: FakeAzureVm[]): Record<string, unknown>[] {
  const byId = new Map<string, FakeAzureVm>();
  for (const vm of vms) if (vm.scaleSet) byId.set(scaleSetResourceId(vm), vm);
  return [...byId].map(([id, vm]) => ({
    id,
    name: vm.scaleSet?.name,
    type: 'Microsoft.Compute/virtualMachineScaleSets',
    location: vm.location,
    properties: { orchestrationMode: 'Uniform' },
  }));
}

/** A Uniform scale-set VM: its NICs are configurations (NSG and subnet IDs inline), not NIC resources. */
function scaleSetVmJson(vm: FakeAzureVm): Record<string, unknown> {
  return {
    id: vmResourceId(vm),
    name: `${vm.scaleSet?.name}_${vm.scaleSet?.instanceId}`,
    instanceId: vm.scaleSet?.instanceId,
    type: 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines',
    location: vm.location,
    tags: vm.tags,
    properties: {
      vmId: vm.vmId,
      networkProfileConfiguration: {
        networkInterfaceConfigurations: vm.nics.map((nic) => {
          const nics = nicJson(vm, nic).properties as Record<string, unknown>;
          return { name: nic.name, properties: { primary: true, ...nics } };
        }),
      },
    },
  };
}

function nicJson(vm: FakeAzureVm, nic: FakeAzureVm['nics'][number]): Record<string, unknown> {
  const nsg = nic.networkSecurityGroup;
  return {
    id: nicResourceId(vm, nic),
    name: nic.name,
    properties: {
      networkSecurityGroup: nsg && {
        id: `/subscriptions/${vm.subscriptionId}/resourceGroups/${nsg.resourceGroup}/providers/Microsoft.Network/networkSecurityGroups/${nsg.name}`,
      },
      ipConfigurations: nic.subnets.map((s, i) => ({
        name: `ipconfig${i + 1}`,
        properties: {
          subnet: {
            id: `/subscriptions/${vm.subscriptionId}/resourceGroups/${s.resourceGroup}/providers/Microsoft.Network/virtualNetworks/${s.virtualNetwork}/subnets/${s.name}`,
          },
        },
      })),
    },
  };
}

/** `x5t`: base64url SHA-1 thumbprint of the certificate, as Entra ID publishes it. */
function x5t(identity: SigningIdentity): string {
  return createHash('sha1').update(identity.certDer).digest('base64url');
}
