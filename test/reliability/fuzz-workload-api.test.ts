/**
 * Seeded fuzzing of the Workload API of a real `lanyard-agent` process: mutated protobuf on every method (with
 * and without the `workload.spiffe.io` header), then forged and mutated JWT-SVIDs through ValidateJWTSVID and
 * through `JwtSvid.parseAndValidate` against the bundles the agent serves. Malformed requests get an expected
 * status within the deadline, every forged token is rejected (INVALID_ARGUMENT over the API, a typed
 * `JwtSvidError` in the library), the agent stays up and its RSS bounded.
 */
import * as grpc from '@grpc/grpc-js';
import { loadWorkloadApi } from '@lanyard/proto';
import { JwtSvid, JwtSvidError, type JwtBundleSet } from '@lanyard/spiffe';
import {
  decodedSegments,
  forgedTokens,
  fuzzRuns,
  fuzzSeed,
  methodsOf,
  mutatedBytes,
  mutatedProtobuf,
  mutatedToken,
  rawCall,
  sampleSeeded,
  statusName,
  withSeed,
  type Mutation,
  type RawMethod,
  type TokenMutation,
} from '@lanyard/test-support';
import fc from 'fast-check';
import { rssBytes, shortTempDir } from './support/cluster';
import { startAgentCluster, type AgentCluster } from './support/agent-cluster';
import { recordFuzzFigures } from './support/figures';

const SEED = fuzzSeed();
const RUNS = fuzzRuns(80, 2000);
const TOKEN_RUNS = fuzzRuns(150, 3000);
const DEADLINE_MS = 15_000;
const AUDIENCE = 'spiffe://example.org/reliability/audience';
const EXPECTED = new Set([
  grpc.status.OK,
  grpc.status.INVALID_ARGUMENT,
  grpc.status.PERMISSION_DENIED,
  grpc.status.NOT_FOUND,
  grpc.status.UNAUTHENTICATED,
]);
const RSS_GROWTH_LIMIT = 96 * 1024 * 1024;

let cluster: AgentCluster;
let client: grpc.Client;
let token: string;
let bundles: JwtBundleSet;

const methods: RawMethod[] = methodsOf(loadWorkloadApi().SpiffeWorkloadAPI.service as grpc.ServiceDefinition);
const validate = methods.find((m) => m.path.endsWith('/ValidateJWTSVID'))!;

function header(): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('workload.spiffe.io', 'true');
  return metadata;
}

function seedsOf(method: RawMethod): Buffer[] {
  const name = method.path.slice(method.path.lastIndexOf('/') + 1);
  const requests: Record<string, object[]> = {
    FetchJWTSVID: [{ audience: [AUDIENCE] }, { audience: [AUDIENCE], spiffe_id: cluster.workloadId }],
    ValidateJWTSVID: [{ audience: AUDIENCE, svid: token }],
  };
  return [{}, ...(requests[name] ?? [])].map((r) => method.encode(r));
}

function inputsFor(method: RawMethod, salt: number): Mutation[] {
  const seeds = seedsOf(method);
  const arb = fc.oneof(...seeds.flatMap((s) => [mutatedBytes(s), mutatedProtobuf(s)]));
  return [...seeds.map((bytes) => ({ kind: 'seed', bytes })), ...sampleSeeded(arb, SEED + salt, RUNS)];
}

beforeAll(async () => {
  cluster = await startAgentCluster(shortTempDir('lyfw-'));
  client = new grpc.Client(
    cluster.agent.endpoint.replace('unix://', 'unix:'),
    grpc.credentials.createInsecure(),
  );
  token = (await cluster.workload.fetchJwtSvid({ audience: AUDIENCE })).token;
  bundles = await cluster.workload.fetchJwtBundles();
}, 180_000);

afterAll(async () => {
  client?.close();
  await cluster?.stop();
});

test('every Workload API method answers mutated protobuf with an expected status; the agent stays up and bounded', async () => {
  await withSeed(SEED, async () => {
    const rssStart = rssBytes(cluster.agent.pid!);
    const outcomes = new Map<string, number>();
    for (const [index, method] of methods.entries()) {
      for (const input of inputsFor(method, index)) {
        const withHeader = input.bytes.length % 5 !== 0;
        const metadata = withHeader ? header() : new grpc.Metadata();
        const outcome = await rawCall(client, method, input.bytes, { metadata, deadlineMs: DEADLINE_MS });
        const key = statusName(outcome.code);
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        if (!EXPECTED.has(outcome.code) || (!withHeader && outcome.code !== grpc.status.INVALID_ARGUMENT)) {
          throw new Error(
            `${method.path} ${input.kind} header=${withHeader} (${input.bytes.toString('hex').slice(0, 400)}): ` +
              `${key} ${outcome.details}`,
          );
        }
      }
      expect(cluster.agent.running).toBe(true);
    }
    expect((await cluster.agent.cli(['healthcheck'])).code).toBe(0);
    const rssEnd = rssBytes(cluster.agent.pid!);
    const mib = (n: number): string => (n / 2 ** 20).toFixed(0);
    recordFuzzFigures(`Workload API, ${methods.length} methods (with and without header)`, {
      seed: SEED,
      inputs: [...outcomes.values()].reduce((a, b) => a + b, 0),
      outcomes: Object.fromEntries(outcomes),
      memory: `agent RSS ${mib(rssStart)} → ${mib(rssEnd)} MiB`,
    });
    expect(rssEnd - rssStart).toBeLessThan(RSS_GROWTH_LIMIT);
  });
}, 600_000);

/** The issuer's public key for the token's `kid` (what an alg-confusion attacker would have). */
function issuerKey() {
  const svid = JwtSvid.parseAndValidate(token, { bundles, audience: AUDIENCE });
  const bundle = bundles.getJwtBundleForTrustDomain(svid.id.trustDomain);
  return bundle.findJwtAuthority(svid.kid)!;
}

/** Expected library error code of each fixed forgery (random mutations may end with any JwtSvidError code). */
const FORGERY_CODES: Array<[RegExp, string[]]> = [
  [/^alg/, ['ERR_JWT_SVID_ALG']],
  [/kid|foreign|tampered|extended/, ['ERR_JWT_SVID_UNTRUSTED']],
  [/stripped/, ['ERR_JWT_SVID_MALFORMED', 'ERR_JWT_SVID_UNTRUSTED']],
  [/segments|empty/, ['ERR_JWT_SVID_MALFORMED']],
];

async function rejectedEverywhere(m: TokenMutation, outcomes: Map<string, number>): Promise<void> {
  // A mutation that left the decoded bytes as they were (a no-op, or a non-canonical last base64 character) is
  // the same token: it may validate.
  const unchanged = decodedSegments(m.token) === decodedSegments(token);
  const request = validate.encode({ audience: AUDIENCE, svid: m.token });
  const api = await rawCall(client, validate, request, { metadata: header(), deadlineMs: DEADLINE_MS });
  let libraryCode = 'accepted';
  try {
    JwtSvid.parseAndValidate(m.token, { bundles, audience: AUDIENCE });
  } catch (err) {
    if (!(err instanceof JwtSvidError)) throw new Error(`${m.kind}: parseAndValidate threw ${String(err)}`);
    libraryCode = err.code;
  }
  const key = unchanged ? 'no-op (same decoded bytes)' : `api ${statusName(api.code)} / lib ${libraryCode}`;
  outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  if (unchanged) return;
  if (api.code !== grpc.status.INVALID_ARGUMENT || libraryCode === 'accepted') {
    throw new Error(
      `${m.kind} (${m.token}) was not rejected: api ${statusName(api.code)} ${api.details}, lib ${libraryCode}`,
    );
  }
  const expected = FORGERY_CODES.find(([pattern]) => pattern.test(m.kind) && !m.kind.startsWith('segment'));
  if (expected && !expected[1].includes(libraryCode)) {
    throw new Error(`${m.kind}: library rejected with ${libraryCode}, expected ${expected[1].join(' or ')}`);
  }
}

test('forged and mutated JWT-SVIDs are rejected by ValidateJWTSVID and JwtSvid.parseAndValidate', async () => {
  await withSeed(SEED, async () => {
    const outcomes = new Map<string, number>();
    const accepted = await rawCall(client, validate, validate.encode({ audience: AUDIENCE, svid: token }), {
      metadata: header(),
      deadlineMs: DEADLINE_MS,
    });
    expect(statusName(accepted.code)).toBe('OK');
    const forged = forgedTokens(token, issuerKey());
    for (const m of [...forged, ...sampleSeeded(mutatedToken(token), SEED, TOKEN_RUNS)]) {
      await rejectedEverywhere(m, outcomes);
    }
    expect(cluster.agent.running).toBe(true);
    recordFuzzFigures(
      `JWT-SVIDs: ${forged.length} forgeries + mutations (ValidateJWTSVID, parseAndValidate)`,
      {
        seed: SEED,
        inputs: [...outcomes.values()].reduce((a, b) => a + b, 0),
        outcomes: Object.fromEntries(outcomes),
      },
    );
  });
}, 600_000);
