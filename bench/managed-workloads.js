#!/usr/bin/env node
/**
 * Managed-workloads benchmark (CommonJS, against the built `dist/`; build first with `npm run build`).
 *
 * A real `lanyard-server run` process with `managed_workloads {}` on, pointed at the loopback fakes of
 * test-support (STS `GetCallerIdentity` with a real SigV4 check, Google's JWKS, Entra ID discovery), which run in
 * this process next to the load generator. For each proof type (`aws_iam`, `gcp_sa`, `azure_mi`) the proofs are
 * made before timing with the client's own providers (`@lanyard/helper/managed`: AWS SigV4 signing, the GCP
 * metadata and App Service identity fakes), one per request (AWS proofs are single-use), then sent as
 * `POST /v1/managed/jwt-svid` over keep-alive HTTPS:
 *   - latency: one request at a time (p50/p99);
 *   - throughput: `--concurrency` requests in flight, proofs verified (answered 200) per second.
 * An `aws_iam` request includes the server's own round trip to the STS fake. Writes the "## Managed workloads"
 * section of docs/benchmarks.md (other sections are left alone).
 *
 * Usage: node bench/managed-workloads.js [--latency 300] [--requests 1500] [--concurrency 8] [--no-write]
 */
'use strict';

const fs = require('node:fs');
const https = require('node:https');
const os = require('node:os');
const path = require('node:path');
const {
  ServerProcess,
  TRUST_DOMAIN,
  batchCreate,
  cliArgs,
  delay,
  fmt,
  freePort,
  loadavg,
  machine,
  ms,
  percentile,
  wireEntry,
  writeSection,
} = require('./server-harness');

const root = path.resolve(__dirname, '..');
const support = require(path.join(root, 'test-support', 'dist'));
const proofs = require(path.join(root, 'helper', 'dist', 'managed'));

const cli = cliArgs();
const LATENCY_N = cli.num('latency', 300);
const THROUGHPUT_N = cli.num('requests', 1500);
const CONCURRENCY = cli.num('concurrency', 8, 64);
const WRITE = !cli.has('no-write');
const SERVER_ID = 'lanyard.bench';
const GCP_AUDIENCE = 'https://lanyard.bench/managed';
const APP_ID_URI = 'api://lanyard-bench';
const ROLE = 'arn:aws:iam::111122223333:role/bench-fn';
const AUDIENCE = ['api://AzureADTokenExchange'];

async function startFakes() {
  const sts = new support.FakeAwsStsCallerIdentity();
  const google = await support.FakeGoogleApis.create();
  const azure = await support.FakeAzureApis.create();
  await Promise.all([sts.start(), google.start(), azure.start()]);
  const metadata = new support.FakeGcpMetadata(google.signers[0]);
  metadata.platform = 'serverless';
  const appService = new support.FakeAppServiceIdentity(azure);
  await Promise.all([metadata.start(), appService.start()]);
  azure.tenants.add(appService.identity.tenantId);
  return { sts, google, azure, metadata, appService };
}

function managedHcl(dir, port, fakes, serving) {
  const file = (name, text) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text, { mode: 0o600 });
    return p;
  };
  return `
  managed_workloads {
    address = "127.0.0.1"
    port = ${port}
    serving_cert_file {
      cert_file_path = "${file('serving.pem', serving.pem)}"
      key_file_path = "${file('serving.key', serving.privateKey.export({ type: 'pkcs8', format: 'pem' }))}"
    }
    server_id = "${SERVER_ID}"
    rate_limit { requests_per_minute = 10000000 }
    aws_iam {
      sts_endpoint = "${fakes.sts.url}"
      sts_ca_file = "${file('sts-ca.pem', fakes.sts.caPem)}"
    }
    gcp_sa {
      audience = "${GCP_AUDIENCE}"
      jwks_url = "${fakes.google.url}/oauth2/v3/certs"
    }
    azure_mi {
      app_id_uri = "${APP_ID_URI}"
      tenants = ["${fakes.appService.identity.tenantId}"]
      authority_host = "${fakes.azure.url}"
    }
  }`;
}

/** One POST over the keep-alive agent; resolves with the status and ms taken. */
function post(url, agent, ca, body) {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = https.request(
      `${url}/v1/managed/jwt-svid`,
      { method: 'POST', agent, ca, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () =>
          resolve({ status: res.statusCode, text, ms: Number(process.hrtime.bigint() - start) / 1e6 }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** `count` fresh proofs from `provider` (made before timing). */
async function makeProofs(provider, count) {
  const out = [];
  for (let i = 0; i < count; i++) out.push(await provider.getProof());
  return out;
}

async function waitForEntry(url, agent, ca, proof) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await post(url, agent, ca, { proof: await proof(), audience: AUDIENCE });
    if (res.status === 200) return;
    if (Date.now() > deadline) throw new Error(`no SVID after 60 s: ${res.status} ${res.text}`);
    await delay(250);
  }
}

async function measure(url, ca, provider) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    const warm = await makeProofs(provider, 20);
    for (const proof of warm) await post(url, agent, ca, { proof, audience: AUDIENCE });
    const sequential = await makeProofs(provider, LATENCY_N);
    const latencies = [];
    let failures = 0;
    for (const proof of sequential) {
      const res = await post(url, agent, ca, { proof, audience: AUDIENCE });
      if (res.status === 200) latencies.push(res.ms);
      else failures += 1;
    }
    const parallel = await makeProofs(provider, THROUGHPUT_N);
    let next = 0;
    let ok = 0;
    const start = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < parallel.length) {
          const res = await post(url, agent, ca, { proof: parallel[next++], audience: AUDIENCE });
          if (res.status === 200) ok += 1;
          else failures += 1;
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    return {
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      latencyN: latencies.length,
      perSecond: ok / seconds,
      throughputN: ok,
      failures,
    };
  } finally {
    agent.destroy();
  }
}

async function main() {
  const loadStart = loadavg();
  const fakes = await startFakes();
  const servingCa = support.TestCa.create({ trustDomain: 'web.test' });
  const serving = servingCa.issueCertificate({
    subject: { commonName: 'lanyard bench' },
    ipAddresses: ['127.0.0.1'],
    extKeyUsage: ['serverAuth'],
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lanyard-bench-managed-'));
  const port = await freePort();
  const server = await ServerProcess.create(
    'lanyard-bench-managed-server-',
    managedHcl(dir, port, fakes, serving),
  );
  const ca = servingCa.certificate.pem;
  const url = `https://127.0.0.1:${port}`;
  try {
    await server.start();
    const admin = server.admin();
    const parent = (type) => `spiffe://${TRUST_DOMAIN}/spire/managed/${type}`;
    const entry = (type, name, selector) =>
      wireEntry({
        spiffeId: `spiffe://${TRUST_DOMAIN}/bench/${name}`,
        parentId: parent(type),
        selectors: [{ type, value: selector }],
      });
    await batchCreate(admin, [
      entry('aws_iam', 'lambda', `role:${ROLE}`),
      entry('gcp_sa', 'cloud-run', `email:${fakes.metadata.identity.serviceAccountEmail}`),
      entry('azure_mi', 'functions', `principal:${fakes.appService.identity.principalId}`),
    ]);
    const providers = {
      aws_iam: proofs.awsIamProof({
        serverId: SERVER_ID,
        stsEndpoint: fakes.sts.url,
        credentials: fakes.sts.assumedRoleSession(ROLE, 'bench'),
      }),
      gcp_sa: proofs.gcpServiceAccountProof({
        audience: GCP_AUDIENCE,
        metadataHost: new URL(fakes.metadata.url).host,
      }),
      azure_mi: proofs.azureManagedIdentityProof({
        resource: APP_ID_URI,
        identityEndpoint: fakes.appService.endpoint,
        identityHeader: fakes.appService.identityHeader,
      }),
    };
    const results = {};
    for (const [type, provider] of Object.entries(providers)) {
      const agent = new https.Agent({ keepAlive: true });
      await waitForEntry(url, agent, ca, () => provider.getProof());
      agent.destroy();
      results[type] = await measure(url, ca, provider);
      console.log(type, JSON.stringify(results[type]));
    }
    const out = { results, loadStart, loadEnd: loadavg(), machine: machine() };
    console.log(JSON.stringify(out, null, 2));
    if (WRITE) writeSection('Managed workloads', section(out));
  } finally {
    await server.destroy();
    await Promise.all(Object.values(fakes).map((f) => f.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const NAMES = {
  aws_iam: '`aws_iam` (SigV4 checks, then STS GetCallerIdentity forwarded to the fake)',
  gcp_sa: '`gcp_sa` (Google ID token, RS256 against the JWKS)',
  azure_mi: '`azure_mi` (Entra access token, RS256 against the tenant keys)',
};

function section(r) {
  const rows = Object.entries(r.results).map(
    ([type, x]) =>
      `| ${NAMES[type]} | ${fmt(x.perSecond)} | ${ms(x.p50)} | ${ms(x.p99)} | ${x.latencyN} / ${x.throughputN} | ${x.failures} |`,
  );
  const entries = Object.entries(r.results);
  const fastest = entries.reduce((a, b) => (b[1].perSecond > a[1].perSecond ? b : a));
  const slowest = entries.reduce((a, b) => (b[1].perSecond < a[1].perSecond ? b : a));
  const failures = entries.reduce((n, [, x]) => n + x.failures, 0);
  return [
    '## Managed workloads',
    '',
    `Measured by \`node bench/managed-workloads.js\` on ${r.machine}, load average ${r.loadStart} at start and`,
    `${r.loadEnd} at the end (the machine is shared: other work ran at the same time, so these are lower bounds).`,
    'A `lanyard-server run` process with `managed_workloads {}`; the loopback fakes of STS, Google and Entra ID and',
    'the load generator share one other process. Proofs are made before timing, one per request, with the',
    "client's own providers; each request is `POST /v1/managed/jwt-svid` for one audience over keep-alive HTTPS.",
    `Latency: one request at a time. Throughput: ${CONCURRENCY} requests in flight; a proof counts as verified when`,
    'the server answers 200 with a JWT-SVID.',
    '',
    '| Proof | verified / s | p50 | p99 | requests (latency / throughput) | refused |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    `The fastest proof type here is \`${fastest[0]}\` at ${fmt(fastest[1].perSecond)} verified per second and the slowest` +
      ` \`${slowest[0]}\` at ${fmt(slowest[1].perSecond)} (${(fastest[1].perSecond / slowest[1].perSecond).toFixed(1)}× apart);` +
      ` ${failures === 0 ? 'no request was refused' : `${failures} requests were refused`}. No goal is set for` +
      ' these figures.',
    '',
  ].join('\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
