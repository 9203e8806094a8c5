import { randomUUID } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import type { PluginLogger } from '@lanyard/attestor-core';
import type { AuthorizedCaller, Role } from '../auth/caller';
import { batchItems, requestFields } from './audit-fields';
import type { RpcMetrics } from './metrics';
import { codeName, rejectMalformed } from '@lanyard/base/grpc';
import { apiStatusOf, toCallStatus } from './status';

/** SPIRE's audit status fields: `status`, and on errors `status_code` and `status_message`. */
function statusFields(status: { code: number; message: string }): Record<string, unknown> {
  if (status.code === 0) return { status: 'success' };
  return { status: 'error', status_code: codeName(status.code), status_message: status.message };
}

/** A call's deadline in epoch ms, or undefined for none (grpc-js reports "none" as Infinity). */
function deadlineOf(call: SurfaceCall): number | undefined {
  const deadline = call.getDeadline();
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(ms) ? ms : undefined;
}

/** The parts of any grpc-js server call the boundary and authorizers use. */
export type SurfaceCall = Pick<
  grpc.ServerUnaryCall<unknown, unknown>,
  'getPeer' | 'getAuthContext' | 'cancelled' | 'getDeadline'
>;

/** Static facts about one RPC: where it lives and who may call it. */
export interface MethodSpec {
  /** Short service name as used in metric keys: `entry`, `agent`, `bundle`, `svid`, … */
  readonly service: string;
  /** Fully qualified service for logs: `spire.api.server.entry.v1.Entry`. */
  readonly fullService: string;
  /** RPC name: `ListEntries`. */
  readonly method: string;
  /** Roles allowed to call; `any` admits unauthenticated callers. */
  readonly roles: readonly Role[];
}

/** Per-call context handed to every RPC implementation. */
export interface RpcContext {
  readonly caller: AuthorizedCaller;
  readonly logger: PluginLogger;
  readonly spec: MethodSpec;
  /** The caller's deadline in epoch ms; undefined when the call has none. */
  readonly deadline?: number;
}

/** Identifies and authorizes the caller of a call for the given spec, or throws PermissionDenied. */
export type CallAuthorizer = (call: SurfaceCall, spec: MethodSpec) => Promise<AuthorizedCaller>;

/** Unary RPC implementation: resolve with the response or throw a `LanyardError`. */
export type UnaryImpl<Req, Res> = (request: Req, ctx: RpcContext) => Promise<Res>;
/** Streaming RPC implementation: resolves when the server side is done (the boundary ends the call). */
export type StreamImpl<Call> = (call: Call, ctx: RpcContext) => Promise<void>;

/**
 * The one error boundary of the server APIs: authorizes each call, runs the implementation, maps any thrown
 * `LanyardError` to its status (anything else to INTERNAL "internal error"), logs failures once with SPIRE's
 * field names (`method`, `service`, `caller_id`, `caller_addr`) and records SPIRE-named RPC metrics.
 */
export class RpcBoundary {
  constructor(
    private readonly authorize: CallAuthorizer,
    private readonly logger: PluginLogger,
    private readonly metrics: RpcMetrics,
    private readonly options: { auditLog?: boolean } = {},
  ) {}

  /** Wraps a unary implementation into a grpc-js handler. */
  unary<Req, Res>(spec: MethodSpec, impl: UnaryImpl<Req, Res>): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      const started = performance.now();
      void this.run(call, spec, (ctx) => impl(call.request, ctx), call.request).then((outcome) => {
        if (outcome.ok) callback(null, outcome.value);
        else callback(toCallStatus(outcome.error));
        this.finish(spec, outcome.code, started);
      });
    };
  }

  /** Wraps a bidirectional-streaming implementation into a grpc-js handler. */
  bidi<Req, Res>(
    spec: MethodSpec,
    impl: StreamImpl<grpc.ServerDuplexStream<Req, Res>>,
  ): grpc.handleBidiStreamingCall<Req, Res> {
    return (call) => this.stream(call, spec, impl);
  }

  /** Wraps a server-streaming implementation into a grpc-js handler. */
  serverStream<Req, Res>(
    spec: MethodSpec,
    impl: StreamImpl<grpc.ServerWritableStream<Req, Res>>,
  ): grpc.handleServerStreamingCall<Req, Res> {
    return (call) => this.stream(call, spec, impl);
  }

  private stream<
    Call extends grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>,
  >(call: Call, spec: MethodSpec, impl: StreamImpl<Call>): void {
    const started = performance.now();
    const request = 'request' in call ? call.request : undefined;
    void this.run(call, spec, (ctx) => impl(call, ctx), request).then((outcome) => {
      if (outcome.ok) {
        if (!call.cancelled) call.end();
      } else if (!call.cancelled) {
        call.emit('error', toCallStatus(outcome.error));
      }
      this.finish(spec, outcome.code, started);
    });
  }

  private async run<T>(
    call: SurfaceCall,
    spec: MethodSpec,
    body: (ctx: RpcContext) => Promise<T>,
    request?: unknown,
  ): Promise<
    | { ok: true; value: T; code: number }
    | { ok: false; status: { code: number; message: string }; code: number; error: unknown }
  > {
    let caller: AuthorizedCaller | undefined;
    try {
      caller = await this.authorize(call, spec);
      rejectMalformed(request);
      const value = await body({ caller, logger: this.logger, spec, deadline: deadlineOf(call) });
      this.audit(spec, call, caller, { code: 0, message: 'OK' }, request, value);
      return { ok: true, value, code: 0 };
    } catch (err) {
      const status = apiStatusOf(err);
      this.logFailure(spec, call, caller, status, err);
      this.audit(spec, call, caller, status, request);
      return { ok: false, status, code: status.code, error: err };
    }
  }

  /**
   * `audit_log_enabled`: one `API accessed` line per call with SPIRE's audit fields and the request's fields;
   * a successful batch call gives one line per item instead, each with the item's fields and status.
   */
  private audit(
    spec: MethodSpec,
    call: SurfaceCall,
    caller: AuthorizedCaller | undefined,
    status: { code: number; message: string },
    request?: unknown,
    response?: unknown,
  ): void {
    if (!this.options.auditLog) return;
    const base: Record<string, unknown> = {
      type: 'audit',
      request_id: randomUUID(),
      method: spec.method,
      service: spec.fullService,
      caller_addr: caller?.addr ?? call.getPeer(),
    };
    if (caller?.spiffeId !== undefined) base.caller_id = caller.spiffeId;
    if (caller?.uid !== undefined) base.caller_uid = caller.uid;
    if (caller?.gid !== undefined) base.caller_gid = caller.gid;
    if (caller?.path !== undefined) base.caller_path = caller.path;
    const items = status.code === 0 ? batchItems(request, response) : undefined;
    if (items === undefined) {
      this.logger.info('API accessed', { ...requestFields(request), ...base, ...statusFields(status) });
      return;
    }
    for (const { item, status: itemStatus } of items) {
      this.logger.info('API accessed', { ...requestFields(item), ...base, ...statusFields(itemStatus) });
    }
  }

  private logFailure(
    spec: MethodSpec,
    call: SurfaceCall,
    caller: AuthorizedCaller | undefined,
    status: { code: number; message: string },
    err: unknown,
  ): void {
    const fields: Record<string, unknown> = {
      method: spec.method,
      service: spec.fullService,
      caller_addr: caller?.addr ?? call.getPeer(),
      code: codeName(status.code),
    };
    if (caller?.spiffeId !== undefined) fields.caller_id = caller.spiffeId;
    const message = status.message.charAt(0).toUpperCase() + status.message.slice(1);
    if (status.code === 13) {
      fields.error = err instanceof Error ? err.message : String(err);
      this.logger.error(message, fields);
    } else {
      this.logger.warn(message, fields);
    }
  }

  private finish(spec: MethodSpec, code: number, started: number): void {
    this.metrics.record(spec.fullService, spec.method, codeName(code), performance.now() - started);
  }
}
