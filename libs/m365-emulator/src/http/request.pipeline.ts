import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EmulatorClock } from '../core/emulator.clock';
import type { EmulatorUrls } from '../emulator-urls';
import { AadstsError } from '../entra/aadsts.error';
import type { FaultDecision, FaultInjector } from '../faults/fault.injector';
import type { RequestCounters } from '../faults/request.counters';
import { GraphError } from '../graph/graph.error';
import type { EmulatorRequest } from './emulator-request';
import { jsonResponse, type EmulatorResponse } from './emulator-response';
import { EmulatorHttpError } from './emulator-http.error';
import type { HttpRouter } from './http.router';
import type { RouteDefinition, RouteKind } from './route-definition';

export interface IncomingCall {
  readonly method: string;
  /** Path plus query, or an absolute URL. */
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly viaBatch: boolean;
}

export type PipelineOutcome =
  { readonly kind: 'respond'; readonly response: EmulatorResponse } | { readonly kind: 'drop' };

const GRAPH_ERROR_CODES: Record<number, string> = {
  500: 'UnknownError',
  502: 'BadGateway',
  503: 'serviceNotAvailable',
  504: 'GatewayTimeout',
};

/**
 * Every request, external or from inside $batch, goes through here: route lookup, fault injection (latency,
 * drops, random 5xx; not for $batch items or the control API), forced throttling, the handler, counters.
 */
export class RequestPipeline {
  constructor(
    private readonly router: HttpRouter,
    private readonly urls: EmulatorUrls,
    private readonly clock: EmulatorClock,
    private readonly faults: FaultInjector,
    private readonly counters: RequestCounters,
  ) {}

  async handle(call: IncomingCall): Promise<PipelineOutcome> {
    const url = new URL(call.url, this.urls.baseUrl);
    const lookup = this.router.lookup(call.method, url.pathname);
    const route =
      lookup.kind === 'matched' ? lookup.match.route : this.fallbackRoute(call.method, url.pathname, lookup);
    const faulted = route.kind !== 'control' && !call.viaBatch;
    const decision = faulted ? this.faults.decide(url.pathname) : undefined;
    // Outlook keeps the mailbox busy for the whole request, so an Outlook route spends its latency while it
    // holds the app + mailbox concurrency slot (MailboxAccess). A request that is dropped or answered with an
    // injected 5xx never reaches the mailbox; it waits here instead.
    const reachesMailbox =
      route.outlook === true && decision?.drop !== true && decision?.errorStatus === undefined;
    const mailboxWorkMs = !reachesMailbox
      ? 0
      : call.viaBatch
        ? this.faults.batchItemLatency(url.pathname)
        : (decision?.latencyMs ?? 0);
    const request: EmulatorRequest = {
      method: call.method.toUpperCase(),
      url,
      path: url.pathname,
      headers: call.headers,
      body: call.body,
      params: lookup.kind === 'matched' ? lookup.match.params : {},
      route,
      requestId: randomUUID(),
      clientRequestId:
        call.headers['client-request-id'] ?? url.searchParams.get('client-request-id') ?? undefined,
      viaBatch: call.viaBatch,
      mailboxWorkMs,
      responseHeaders: {},
    };
    const routeKey = `${route.method} ${route.path}`;
    // External requests (not $batch items, not control calls) are counted in progress, for peakInFlight.
    if (faulted) this.counters.started(routeKey);
    try {
      return await this.answer(request, routeKey, decision, reachesMailbox, faulted);
    } finally {
      if (faulted) this.counters.ended(routeKey);
    }
  }

  private async answer(
    request: EmulatorRequest,
    routeKey: string,
    decision: FaultDecision | undefined,
    reachesMailbox: boolean,
    faulted: boolean,
  ): Promise<PipelineOutcome> {
    const { route, url } = request;
    if (decision) {
      if (!reachesMailbox && decision.latencyMs > 0) await sleep(decision.latencyMs);
      if (decision.drop) {
        this.counters.record(routeKey, 'dropped');
        return { kind: 'drop' };
      }
      if (decision.errorStatus !== undefined) {
        this.counters.recordInjectedError();
        return this.finish(
          request,
          routeKey,
          this.injectedError(route.kind, decision.errorStatus).toResponse(request, this.clock.now()),
        );
      }
    }
    if (route.kind !== 'control' && !route.throttleExempt) {
      const retryAfter = this.faults.takeForcedThrottle(url.pathname);
      if (retryAfter !== undefined) {
        return this.finish(
          request,
          routeKey,
          this.throttledError(route.kind, retryAfter).toResponse(request, this.clock.now()),
        );
      }
    }
    let response: EmulatorResponse;
    try {
      response = await route.handler(request);
    } catch (error) {
      response = this.renderError(request, error);
    }
    if (faulted) {
      // The work is done (e.g. the mail went out); only the answer is lost on the way back.
      const failAfter = this.faults.takeFailAfterHandling(url.pathname);
      if (failAfter !== undefined) {
        this.counters.recordInjectedError();
        response = this.injectedError(route.kind, failAfter).toResponse(request, this.clock.now());
      }
    }
    return this.finish(request, routeKey, response);
  }

  private finish(request: EmulatorRequest, routeKey: string, response: EmulatorResponse): PipelineOutcome {
    const headers: Record<string, string> = { ...request.responseHeaders, ...response.headers };
    headers['request-id'] = request.requestId;
    headers['x-ms-request-id'] = request.requestId;
    headers['client-request-id'] = request.clientRequestId ?? request.requestId;
    if (request.route.kind !== 'control') this.counters.record(routeKey, response.status);
    return { kind: 'respond', response: { ...response, headers } };
  }

  private renderError(request: EmulatorRequest, error: unknown): EmulatorResponse {
    if (error instanceof EmulatorHttpError) return error.toResponse(request, this.clock.now());
    const message = error instanceof Error ? error.message : String(error);
    switch (request.route.kind) {
      case 'graph':
        return new GraphError(500, 'UnknownError', message).toResponse(request, this.clock.now());
      case 'login':
        return new AadstsError(
          'server_error',
          90033,
          'A transient error has occurred. Please try again.',
          500,
        ).toResponse(request, this.clock.now());
      case 'control':
        return jsonResponse(400, { error: message });
    }
  }

  private injectedError(kind: RouteKind, status: number): EmulatorHttpError {
    if (kind === 'login') {
      return new AadstsError(
        'temporarily_unavailable',
        90033,
        'A transient error has occurred. Please try again.',
        status,
      );
    }
    const retryAfter: Record<string, string> = status === 503 || status === 504 ? { 'retry-after': '1' } : {};
    return new GraphError(
      status,
      GRAPH_ERROR_CODES[status] ?? 'UnknownError',
      'Injected fault (m365-emulator).',
      retryAfter,
    );
  }

  private throttledError(kind: RouteKind, retryAfterSeconds: number): EmulatorHttpError {
    if (kind === 'login') {
      return new AadstsError(
        'temporarily_unavailable',
        90055,
        'The number of incoming requests has exceeded the throttling threshold. Please retry later.',
        429,
        { 'retry-after': String(retryAfterSeconds) },
      );
    }
    return GraphError.tooManyRequests(retryAfterSeconds);
  }

  private fallbackRoute(
    method: string,
    path: string,
    lookup: { kind: 'method-not-allowed'; sample: RouteDefinition } | { kind: 'not-found' },
  ): RouteDefinition {
    if (lookup.kind === 'method-not-allowed') {
      const { sample } = lookup;
      return {
        method: sample.method,
        path: sample.path,
        kind: sample.kind,
        handler: () => {
          if (sample.kind === 'graph') {
            throw new GraphError(
              405,
              'Request_BadRequest',
              'Specified HTTP method is not allowed for the request target.',
            );
          }
          throw new AadstsError(
            'invalid_request',
            900561,
            `The endpoint only accepts POST, OPTIONS requests. Received a ${method} request.`,
          );
        },
      };
    }
    const kind: RouteKind = /^\/v1\.0(\/|$)|^\/beta(\/|$)/i.test(path)
      ? 'graph'
      : path.startsWith('/_emulator')
        ? 'control'
        : 'login';
    const segment =
      path
        .split('/')
        .filter((part) => part !== '')
        .pop() ?? '';
    return {
      method: 'GET',
      path: '(unmatched)',
      kind,
      handler: () => {
        if (kind === 'graph')
          throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`);
        return jsonResponse(404, {
          error: 'not_found',
          error_description: `No emulator route for ${method} ${path}`,
        });
      },
    };
  }
}
