import type { FakeResponse, RecordedRequest } from './http-fake';
import { awsRequestId, jsonError } from './aws-xml';

/** An account as the fake Organizations API lists it. */
export interface FakeOrgAccount {
  readonly id: string;
  readonly state: 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE' | 'CLOSED';
}

/**
 * Organizations `ListAccounts` (JSON 1.1, `X-Amz-Target: AWSOrganizationsV20161128.ListAccounts`), paged by
 * `pageSize` with an opaque `NextToken`.
 */
export function organizationsCall(
  req: RecordedRequest,
  accounts: FakeOrgAccount[],
  pageSize: number,
): FakeResponse {
  const target = req.headers['x-amz-target'];
  if (target !== 'AWSOrganizationsV20161128.ListAccounts') {
    return jsonError(400, 'UnknownOperationException', `unknown operation ${String(target)}`);
  }
  let body: { NextToken?: string };
  try {
    body = JSON.parse(req.body || '{}') as { NextToken?: string };
  } catch {
    return jsonError(400, 'SerializationException', 'body is not JSON');
  }
  const start = body.NextToken ? Number(Buffer.from(body.NextToken, 'base64').toString('utf8')) : 0;
  if (!Number.isInteger(start) || start < 0) return jsonError(400, 'InvalidInputException', 'bad NextToken');
  const page = accounts.slice(start, start + pageSize).map((a) => ({
    Id: a.id,
    Arn: `arn:aws:organizations::111111111111:account/o-fake/${a.id}`,
    Email: `${a.id}@example.org`,
    Name: `account ${a.id}`,
    State: a.state,
    JoinedMethod: 'CREATED',
    JoinedTimestamp: 1_700_000_000,
  }));
  const next =
    start + pageSize < accounts.length ? Buffer.from(String(start + pageSize)).toString('base64') : undefined;
  return {
    status: 200,
    body: JSON.stringify({ Accounts: page, ...(next && { NextToken: next }) }),
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': awsRequestId() },
  };
}

/**
 * EKS REST-JSON `ListNodegroups` (`GET /clusters/<name>/node-groups`) and `DescribeNodegroup`
 * (`GET /clusters/<name>/node-groups/<nodegroup>`) over `clusters` (cluster → node group → Auto Scaling groups).
 */
export function eksCall(req: RecordedRequest, clusters: Map<string, Map<string, string[]>>): FakeResponse {
  const match = /^\/clusters\/([^/]+)\/node-groups(?:\/([^/]+))?$/.exec(req.path);
  if (req.method !== 'GET' || !match) return jsonError(404, 'NotFoundException', `no route ${req.path}`);
  const clusterName = decodeURIComponent(match[1]);
  const cluster = clusters.get(clusterName);
  if (!cluster)
    return jsonError(404, 'ResourceNotFoundException', `No cluster found for name: ${clusterName}.`);
  if (match[2] === undefined) return eksJson({ nodegroups: [...cluster.keys()] });
  const nodegroupName = decodeURIComponent(match[2]);
  const groups = cluster.get(nodegroupName);
  if (!groups)
    return jsonError(404, 'ResourceNotFoundException', `No node group found for name: ${nodegroupName}.`);
  return eksJson({
    nodegroup: {
      nodegroupName,
      clusterName,
      status: 'ACTIVE',
      resources: { autoScalingGroups: groups.map((name) => ({ name })) },
    },
  });
}

function eksJson(value: unknown): FakeResponse {
  return {
    status: 200,
    body: JSON.stringify(value),
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': awsRequestId() },
  };
}
