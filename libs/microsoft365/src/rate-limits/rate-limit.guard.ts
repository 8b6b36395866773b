import { type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import { HttpResponder } from '../common/http-responder';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions, type Microsoft365RateLimit } from '../microsoft365-module-options';
import { FailedRequestsLimiter, RATE_LIMIT_STORAGE } from './failed-requests.limiter';
import { RATE_LIMIT_BUCKET, type RateLimitBucket } from './rate-limit.decorator';

export { RATE_LIMIT_STORAGE } from './failed-requests.limiter';

const DEFAULT_LIMITS: Record<RateLimitBucket, Microsoft365RateLimit> = {
  // A person signs in a few times a day; a busy NAT of an office still stays far below.
  signIn: { limit: 30, windowSeconds: 60 },
  // Refreshing a callback page or cancelling at Microsoft fails a callback now and then; a script fails all.
  signInFailures: { limit: 10, windowSeconds: 60 },
  codeExchange: { limit: 10, windowSeconds: 60 },
  // Graph batches notifications and retries failed posts itself; a steady flood from one address is not Graph.
  notifications: { limit: 600, windowSeconds: 60 },
};

/** Buckets that count only the requests that fail ({@link FailedRequestsLimiter}). */
const FAILURES_ONLY: ReadonlySet<RateLimitBucket> = new Set<RateLimitBucket>(['signInFailures']);

/**
 * `@nestjs/throttler` for the module's own anonymous routes only (never global): each route marked with
 * `@RateLimit(bucket)` counts per client address against that bucket's limit (for `signInFailures`, only the
 * requests that fail). Over it, the answer is the module's error shape with 429 `RATE_LIMITED` and `Retry-After`.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @Inject(MICROSOFT365_OPTIONS) options: Microsoft365ModuleOptions,
    @Inject(RATE_LIMIT_STORAGE) storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly http: HttpResponder,
    private readonly failures: FailedRequestsLimiter,
  ) {
    super(
      {
        setHeaders: false,
        throttlers: (Object.keys(DEFAULT_LIMITS) as RateLimitBucket[]).map((name) => {
          const { limit, windowSeconds } = options.rateLimits?.[name] ?? DEFAULT_LIMITS[name];
          return { name, limit, ttl: windowSeconds * 1000 };
        }),
      },
      storage,
      reflector,
    );
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    // Guards named in @UseGuards are not providers, so Nest may not run their onModuleInit.
    if (!this.throttlers) await this.onModuleInit();
    return super.canActivate(context);
  }

  protected override handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const bucket = this.reflector.getAllAndOverride<RateLimitBucket | undefined>(RATE_LIMIT_BUCKET, [
      request.context.getHandler(),
      request.context.getClass(),
    ]);
    if (request.throttler.name !== bucket) return Promise.resolve(true);
    // Graph's validation handshake, sent once for every subscription created: a tenant with more mailboxes and
    // calendars than the limit creates its subscriptions in one pass, so the handshakes must not be refused. It only
    // echoes its token (no database), so it is not counted either.
    // https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks#notificationurl-validation
    if (bucket === 'notifications' && isValidationHandshake(request.context)) return Promise.resolve(true);
    if (bucket && FAILURES_ONLY.has(bucket)) return this.admitUnlessBlocked(request);
    return super.handleRequest(request);
  }

  /** A failures-only route: refused while this instance knows the address blocked, else counted if it fails. */
  private async admitUnlessBlocked(request: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, blockDuration, throttler, getTracker, generateKey } = request;
    const name = throttler.name ?? 'default';
    const httpRequest = context.switchToHttp().getRequest<Record<string, unknown>>();
    const tracker = await getTracker(httpRequest, context);
    const key = generateKey(context, tracker, name);
    const blockedForSeconds = this.failures.blockedFor(key);
    if (blockedForSeconds > 0) {
      await this.throwThrottlingException(context, {
        limit,
        ttl,
        key,
        tracker,
        totalHits: limit + 1,
        timeToExpire: blockedForSeconds,
        isBlocked: true,
        timeToBlockExpire: blockedForSeconds,
      });
    }
    this.failures.expectOutcome(httpRequest, {
      key,
      name,
      limit,
      ttlMs: ttl,
      blockDurationMs: blockDuration,
    });
    return true;
  }

  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const retryAfterSeconds = Math.max(1, detail.timeToBlockExpire);
    this.http.setHeader(context.switchToHttp().getResponse(), 'Retry-After', String(retryAfterSeconds));
    throw new Microsoft365Exception(
      Microsoft365ErrorCode.RateLimited,
      'Too many requests from this address',
      {
        action: `Try again in ${retryAfterSeconds} seconds.`,
        details: { retryAfterSeconds },
      },
    );
  }
}

/** A POST with `validationToken` in the query string: Graph checking that the notification URL answers. */
function isValidationHandshake(context: ExecutionContext): boolean {
  // Express and Fastify both parse the query string into `request.query`.
  const query = context.switchToHttp().getRequest<{ query?: Record<string, unknown> }>().query;
  return typeof query?.['validationToken'] === 'string';
}
