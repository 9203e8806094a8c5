import type * as grpc from '@grpc/grpc-js';
import type { RpcBoundary } from '../boundary';
import type { ApiDeps } from '../deps';
import { specsFor } from '../specs';
import { AgentAdmin } from './admin';
import { AgentAttestation, type AttestRequest, type AttestResponse } from './attest';
import { AgentSelfService } from './renew';

/** Registers `spire.api.server.agent.v1.Agent` on `server`. */
export function registerAgentService(
  server: grpc.Server,
  definition: grpc.ServiceDefinition,
  boundary: RpcBoundary,
  deps: ApiDeps,
): void {
  const spec = specsFor('agent');
  const admin = new AgentAdmin(deps);
  const attestation = new AgentAttestation(deps);
  const self = new AgentSelfService(deps);
  server.addService(definition, {
    CountAgents: boundary.unary(spec('CountAgents'), (req: Parameters<AgentAdmin['count']>[0]) =>
      admin.count(req),
    ),
    ListAgents: boundary.unary(spec('ListAgents'), (req: Parameters<AgentAdmin['list']>[0]) =>
      admin.list(req),
    ),
    GetAgent: boundary.unary(spec('GetAgent'), (req: Parameters<AgentAdmin['get']>[0]) => admin.get(req)),
    DeleteAgent: boundary.unary(spec('DeleteAgent'), (req: Parameters<AgentAdmin['delete']>[0], ctx) =>
      admin.delete(req, ctx),
    ),
    BanAgent: boundary.unary(spec('BanAgent'), (req: Parameters<AgentAdmin['ban']>[0], ctx) =>
      admin.ban(req, ctx),
    ),
    CreateJoinToken: boundary.unary(
      spec('CreateJoinToken'),
      (req: Parameters<AgentAdmin['createJoinToken']>[0], ctx) => admin.createJoinToken(req, ctx),
    ),
    AttestAgent: boundary.bidi<AttestRequest, AttestResponse>(spec('AttestAgent'), (call, ctx) =>
      attestation.attest(call, ctx),
    ),
    RenewAgent: boundary.unary(spec('RenewAgent'), (req: Parameters<AgentSelfService['renew']>[0], ctx) =>
      self.renew(req, ctx),
    ),
    PostStatus: boundary.unary(
      spec('PostStatus'),
      (req: Parameters<AgentSelfService['postStatus']>[0], ctx) => self.postStatus(req, ctx),
    ),
  });
}
