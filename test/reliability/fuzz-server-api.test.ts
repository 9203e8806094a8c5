/**
 * Seeded protobuf fuzzing of every server API method (Entry, Agent, Bundle, SVID, TrustDomain, LocalAuthority,
 * Debug, Logger, Health) against a real `lanyard-server` process: valid requests with mutated bytes, truncations,
 * random bytes and wrong-type fields, sent raw over the admin socket (every method) and over mTLS as an
 * attested agent (the agent-only methods, with mutated CSRs). Every call must end within its deadline with a
 * status of the expected set, the process must stay up and healthy, and its RSS stay bounded.
 */
import * as crypto from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { createCsr } from '@lanyard/agent';
import type { ServerUnderTest } from '@lanyard/e2e';
import { loadHealthApi, loadSpireServerApis } from '@lanyard/proto';
import {
  fuzzRuns,
  fuzzSeed,
  methodsOf,
  mutatedBytes,
  mutatedProtobuf,
  rawCall,
  sampleSeeded,
  statusName,
  withSeed,
  type Mutation,
  type RawMethod,
} from '@lanyard/test-support';
import fc from 'fast-check';
import {
  adminRawClient,
  attestWithJoinToken,
  rssBytes,
  serverBundlePem,
  serverTlsCredentials,
  shortTempDir,
  startServer,
  TLS_CHANNEL_OPTIONS,
  type AgentIdentity,
} from './support/cluster';
import { serverApiSeeds, type SeedContext } from './support/server-api-seeds';
import { recordFuzzFigures } from './support/figures';

const SEED = fuzzSeed();
const RUNS = fuzzRuns(6, 300);
const DEADLINE_MS = 15_000;
/** Statuses a malformed or hostile request may end with. Internal, Unknown, Unavailable, DeadlineExceeded never. */
const EXPECTED = new Set([
  grpc.status.OK,
  grpc.status.INVALID_ARGUMENT,
  grpc.status.NOT_FOUND,
  grpc.status.ALREADY_EXISTS,
  grpc.status.PERMISSION_DENIED,
  grpc.status.UNAUTHENTICATED,
  grpc.status.FAILED_PRECONDITION,
  grpc.status.OUT_OF_RANGE,
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.UNIMPLEMENTED,
]);
/** RSS after the run may grow by at most this much over the start (the datastore legitimately grows). */
const RSS_GROWTH_LIMIT = 160 * 1024 * 1024;

/** Methods only an attested agent may call: fuzzed again over mTLS so the bytes reach their handlers. */
const AGENT_METHODS = new Set([
  'GetAuthorizedEntries',
  'SyncAuthorizedEntries',
  'RenewAgent',
  'BatchNewX509SVID',
  'BatchNewWITSVID',
  'NewJWTSVID',
  'AttestAgent',
  'PostStatus',
]);

const dir = shortTempDir('lyfz-');
let server: ServerUnderTest;
let agent: AgentIdentity;
let context: SeedContext;
const outcomes = new Map<string, number>();

function allMethods(): RawMethod[] {
  const spire = loadSpireServerApis().spire.api.server;
  return [
    spire.entry.v1.Entry.service,
    spire.agent.v1.Agent.service,
    spire.bundle.v1.Bundle.service,
    spire.svid.v1.SVID.service,
    spire.trustdomain.v1.TrustDomain.service,
    spire.localauthority.v1.LocalAuthority.service,
    spire.debug.v1.Debug.service,
    spire.logger.v1.Logger.service,
    loadHealthApi().grpc.health.v1.Health.service,
  ].flatMap((service) => methodsOf(service as grpc.ServiceDefinition));
}

function methodName(method: RawMethod): string {
  return method.path.slice(method.path.lastIndexOf('/') + 1);
}

/** The inputs of one method: its encoded seeds, then mutations of them (byte- and protobuf-aware). */
function inputsFor(method: RawMethod, salt: number): Mutation[] {
  const seeds = [{}, ...(serverApiSeeds(context)[methodName(method)] ?? [])].map((s) => method.encode(s));
  const arb = fc.oneof(...seeds.flatMap((s) => [mutatedBytes(s), mutatedProtobuf(s)]));
  return [...seeds.map((bytes) => ({ kind: 'seed', bytes })), ...sampleSeeded(arb, SEED + salt, RUNS)];
}

async function fuzzMethods(client: grpc.Client, methods: RawMethod[], label: string): Promise<void> {
  for (const [index, method] of methods.entries()) {
    for (const input of inputsFor(method, index)) {
      const outcome = await rawCall(client, method, input.bytes, { deadlineMs: DEADLINE_MS });
      const key = `${label} ${statusName(outcome.code)}`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      if (!EXPECTED.has(outcome.code)) {
        throw new Error(
          `${label} ${method.path} ${input.kind} (${input.bytes.toString('hex').slice(0, 400)}): ` +
            `${statusName(outcome.code)} ${outcome.details}`,
        );
      }
    }
    if (!server.running) throw new Error(`server exited after ${method.path}:\n${server.log}`);
  }
}

beforeAll(async () => {
  server = await startServer(dir);
  const roots = await serverBundlePem(server);
  agent = await attestWithJoinToken(server, roots, await server.joinToken());
  const entryId = await server.createEntry([
    '-spiffeID',
    `spiffe://${server.trustDomain}/fuzz/seed`,
    '-parentID',
    agent.agentId,
    '-selector',
    'unix:uid:4242',
  ]);
  const key = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const cert = new crypto.X509Certificate(roots);
  context = {
    trustDomain: server.trustDomain,
    csr: createCsr(key.privateKey, key.publicKey),
    entryId,
    agentPath: new URL(agent.agentId).pathname,
    certDer: cert.raw,
    publicKeyDer: key.publicKey.export({ type: 'spki', format: 'der' }),
  };
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

test('every server API method answers mutated protobuf with an expected status; the server stays up, healthy and bounded', async () => {
  await withSeed(SEED, async () => {
    const methods = allMethods();
    const rssStart = rssBytes(server.pid!);
    const admin = adminRawClient(server);
    const roots = await serverBundlePem(server);
    const mtls = new grpc.Client(
      `127.0.0.1:${server.port}`,
      serverTlsCredentials(roots, server.trustDomain, agent),
      TLS_CHANNEL_OPTIONS,
    );
    try {
      await fuzzMethods(admin, methods, 'admin');
      await fuzzMethods(
        mtls,
        methods.filter((m) => AGENT_METHODS.has(methodName(m))),
        'agent',
      );
    } finally {
      admin.close();
      mtls.close();
    }
    expect(server.running).toBe(true);
    expect((await server.cli(['healthcheck'])).code).toBe(0);
    const rssEnd = rssBytes(server.pid!);
    const mib = (n: number): string => (n / 2 ** 20).toFixed(0);
    recordFuzzFigures(`server API, ${methods.length} methods (admin UDS + agent mTLS)`, {
      seed: SEED,
      inputs: [...outcomes.values()].reduce((a, b) => a + b, 0),
      outcomes: Object.fromEntries(outcomes),
      memory: `server RSS ${mib(rssStart)} → ${mib(rssEnd)} MiB`,
    });
    expect(rssEnd - rssStart).toBeLessThan(RSS_GROWTH_LIMIT);
  });
}, 600_000);
