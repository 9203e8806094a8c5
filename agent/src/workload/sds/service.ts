/**
 * Envoy SDS v3 (`envoy.service.secret.v3.SecretDiscoveryService`) on the Workload API socket. Callers are
 * attested like Workload API callers, without the `workload.spiffe.io` header (Envoy does not send it).
 */
import type * as grpc from '@grpc/grpc-js';
import type { PluginLogger } from '@lanyard/attestor-core';
import { UnimplementedError } from '@lanyard/base';
import {
  loadEnvoySdsApi,
  type DiscoveryRequest__Output,
  type DiscoveryResponse,
  type SecretDiscoveryServiceHandlers,
} from '@lanyard/proto';
import type { IdentityCache } from '../../manager/cache';
import type { AgentTelemetry } from '../../telemetry';
import type { AttestedCaller, CallerResolver } from '../caller';
import { toCallStatus } from '../status';
import type { SdsOptions } from './options';
import { buildSecretResponse } from './response';
import { SecretStreamSession } from './session';

/** What the SDS handlers need. */
export interface SdsDeps {
  readonly cache: IdentityCache;
  readonly resolver: CallerResolver;
  readonly logger: PluginLogger;
  /** Live streams (shared with the Workload API for shutdown and leak checks). */
  readonly streams: Set<object>;
  readonly options: SdsOptions;
  /** `spire_agent_sds_api_connection(s)`; none when absent. */
  readonly telemetry?: AgentTelemetry;
}

type SecretsStream = grpc.ServerDuplexStream<DiscoveryRequest__Output, DiscoveryResponse>;

function runSession(call: SecretsStream, deps: SdsDeps, caller: AttestedCaller): void {
  const token = {};
  let done = false;
  const finish = (outcome: 'ok' | 'cancelled' | { error: unknown }): void => {
    if (done) return;
    done = true;
    subscription.unsubscribe();
    deps.streams.delete(token);
    if (outcome === 'ok') call.end();
    else if (outcome !== 'cancelled') {
      deps.logger.error('Error building stream secrets response', { error: String(outcome.error) });
      call.emit('error', toCallStatus(outcome.error, deps.logger, call.getPath()));
    }
  };
  const session = new SecretStreamSession(deps.options, deps.logger, (response) => call.write(response));
  const guarded = (step: () => void): void => {
    if (done) return;
    try {
      step();
    } catch (err) {
      finish({ error: err });
    }
  };
  const subscription = deps.cache.subscribe(caller.selectors, (update) =>
    guarded(() => session.onUpdate(update)),
  );
  deps.streams.add(token);
  call.on('data', (request: DiscoveryRequest__Output) => guarded(() => session.onRequest(request)));
  call.on('end', () => finish('ok'));
  call.on('cancelled', () => finish('cancelled'));
  call.on('close', () => finish('cancelled'));
  if (call.cancelled) {
    finish('cancelled');
    return;
  }
  guarded(() => session.onUpdate(subscription.current()));
}

function streamSecrets(deps: SdsDeps): SecretDiscoveryServiceHandlers['StreamSecrets'] {
  return (call) => {
    deps.resolver.attestPeer(call).then(
      (caller) => runSession(call, deps, caller),
      (err: unknown) => {
        deps.logger.error('Failed to attest the workload', { error: String(err) });
        call.emit('error', toCallStatus(err, deps.logger, call.getPath()));
      },
    );
  };
}

function fetchSecrets(deps: SdsDeps): SecretDiscoveryServiceHandlers['FetchSecrets'] {
  return (call, callback) => {
    deps.resolver
      .attestPeer(call)
      .then((caller) => {
        const update = deps.cache.match(caller.selectors);
        const response = buildSecretResponse('', call.request, update, deps.options);
        deps.logger.debug('Sending FetchSecrets response', { count: response.resources?.length ?? 0 });
        return response;
      })
      .then(
        (response) => callback(null, response),
        (err: unknown) => callback(toCallStatus(err, deps.logger, call.getPath())),
      );
  };
}

/** Counts SDS calls in progress, as SPIRE counts SDS "connections"; `begin()` returns the call's (idempotent) end. */
function callCounter(telemetry: AgentTelemetry | undefined): () => () => void {
  let open = 0;
  return () => {
    if (!telemetry) return () => undefined;
    telemetry.sdsConnections(++open, true);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      telemetry.sdsConnections(--open, false);
    };
  };
}

/** Ends a counted call when its stream is done, however it ends. */
function endWith(call: grpc.ServerDuplexStream<unknown, unknown>, end: () => void): void {
  for (const event of ['finish', 'cancelled', 'close']) call.once(event, end);
}

/** The SDS handlers; DeltaSecrets answers UNIMPLEMENTED, as in SPIRE. */
export function createSdsHandlers(deps: SdsDeps): SecretDiscoveryServiceHandlers {
  const begin = callCounter(deps.telemetry);
  const stream = streamSecrets(deps);
  const fetch = fetchSecrets(deps);
  return {
    StreamSecrets: (call) => {
      endWith(call, begin());
      stream(call);
    },
    FetchSecrets: (call, callback) => {
      const end = begin();
      fetch(call, (err, response) => {
        end();
        callback(err, response);
      });
    },
    DeltaSecrets: (call) => {
      endWith(call, begin());
      call.emit(
        'error',
        toCallStatus(new UnimplementedError('Method is not implemented'), deps.logger, call.getPath()),
      );
    },
  };
}

/** Registers `envoy.service.secret.v3.SecretDiscoveryService` on a grpc-js server. */
export function registerSdsService(server: grpc.Server, deps: SdsDeps): void {
  server.addService(
    loadEnvoySdsApi().envoy.service.secret.v3.SecretDiscoveryService.service,
    createSdsHandlers(deps),
  );
}
