import { Body, Controller, HttpCode, Logger, Post, Query, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HttpResponder } from '../common/http-responder';
import { Microsoft365ExceptionFilter } from '../common/microsoft365-exception.filter';
import { RateLimit } from '../rate-limits/rate-limit.decorator';
import { RateLimitGuard } from '../rate-limits/rate-limit.guard';
import { type LifecycleEvent, SubscriptionManager } from './subscription.manager';
import { type GraphSubscriptionEntity } from './graph-subscription.entity';
import { PresenceSubscriptionManager } from '../teams-presence/presence-subscription.manager';
import { type PresenceSubscriptionEntity } from '../teams-presence/presence-subscription.entity';
import { TeamsPresencePoller } from '../teams-presence/teams-presence.poller';

const LIFECYCLE_EVENTS: readonly string[] = ['reauthorizationRequired', 'subscriptionRemoved', 'missed'];
/** A validation token is an opaque string of a few dozen characters; anything far longer is not Graph. */
const MAX_VALIDATION_TOKEN_LENGTH = 1024;
/**
 * Graph sends "a collection of change notifications" per post and documents no maximum (docs/graph-notes.md §9);
 * the posts we see carry a handful. Items beyond this are ignored: what they would wake is a delta run, which the
 * other items or the fallback's polling start anyway, and a forged post cannot make us read more.
 */
const MAX_ITEMS = 100;

interface NotificationItem {
  subscriptionId?: unknown;
  clientState?: unknown;
  lifecycleEvent?: unknown;
  /** A presence notification names its user here (docs/graph-notes.md §14). */
  resourceData?: { id?: unknown } | null;
}

interface Accepted {
  graph: { row: GraphSubscriptionEntity; event: string }[];
  /** Teams presence subscriptions, with the users the items named. */
  presence: { row: PresenceSubscriptionEntity; userIds: string[] }[];
}

/**
 * Where Microsoft Graph delivers change and lifecycle notifications. No PBX session here: each item proves itself
 * with its subscription's clientState. Graph wants an answer within 3 s, so the only work done before answering is
 * one query for all the post's subscriptions; what the notification wakes runs afterwards. Posts are rate-limited
 * per source address.
 */
@ApiTags('Microsoft 365: change notifications (called by Microsoft Graph)')
@Controller('microsoft365/notifications')
@UseFilters(Microsoft365ExceptionFilter)
@UseGuards(RateLimitGuard)
@RateLimit('notifications')
export class NotificationsController {
  private readonly logger = new Logger(NotificationsController.name);

  constructor(
    private readonly manager: SubscriptionManager,
    private readonly presence: PresenceSubscriptionManager,
    private readonly poller: TeamsPresencePoller,
    private readonly http: HttpResponder,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Change notifications from Microsoft Graph (and its validation handshake)' })
  async notify(
    @Query('validationToken') validationToken: unknown,
    @Body() body: unknown,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<string | undefined> {
    if (validationToken !== undefined) return this.echo(validationToken, response);
    const accepted = await this.accept(body, response);
    for (const { row } of accepted.graph) {
      void this.manager.onChange(row).catch((error: unknown) => this.failed('change', error));
    }
    for (const { row, userIds } of accepted.presence) {
      // Only the users named, through the poller: its mapping and loop rules apply as to a poll.
      void this.presence
        .noted(row, userIds)
        .then((objectIds) =>
          objectIds.length > 0 ? this.poller.poll(row.pbxTenantId, objectIds) : undefined,
        )
        .catch((error: unknown) => this.failed('presence', error));
    }
    return undefined;
  }

  @Post('lifecycle')
  @HttpCode(202)
  @ApiOperation({ summary: 'Lifecycle notifications from Microsoft Graph (and its validation handshake)' })
  async lifecycle(
    @Query('validationToken') validationToken: unknown,
    @Body() body: unknown,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<string | undefined> {
    if (validationToken !== undefined) return this.echo(validationToken, response);
    const accepted = await this.accept(body, response, true);
    for (const { row, event } of accepted.graph) {
      void this.manager
        .onLifecycle(row, event as LifecycleEvent)
        .catch((error: unknown) => this.failed('lifecycle', error));
    }
    for (const { row } of accepted.presence) {
      void this.presence.lifecycle(row).catch((error: unknown) => this.failed('lifecycle', error));
    }
    return undefined;
  }

  /** The handshake: 200, text/plain, the URL-decoded token (the platform has decoded the query already). */
  private echo(token: unknown, response: unknown): string {
    if (typeof token !== 'string' || token.length > MAX_VALIDATION_TOKEN_LENGTH) {
      this.http.status(response, 400);
      return '';
    }
    this.http.status(response, 200);
    this.http.setHeader(response, 'Content-Type', 'text/plain; charset=utf-8');
    this.http.setHeader(response, 'X-Content-Type-Options', 'nosniff');
    return token;
  }

  /**
   * Keeps the items whose subscription we hold and whose clientState matches. When none does, answers 403 and does
   * nothing: a forged or stale post must not start work.
   */
  private async accept(body: unknown, response: unknown, lifecycle = false): Promise<Accepted> {
    const items = (body as { value?: unknown } | null)?.value;
    const candidates = (Array.isArray(items) ? (items.slice(0, MAX_ITEMS) as NotificationItem[]) : []).filter(
      (item) =>
        typeof item === 'object' &&
        item !== null &&
        (!lifecycle ||
          (typeof item.lifecycleEvent === 'string' && LIFECYCLE_EVENTS.includes(item.lifecycleEvent))),
    );
    const rows = await this.manager.verifyAll(candidates);
    // Teams presence's subscriptions live apart (the service account holds them); same clientState check.
    const presenceRows = await this.presence.verifyAll(candidates.map((item, i) => (rows[i] ? {} : item)));
    const accepted: Accepted = { graph: [], presence: [] };
    candidates.forEach((item, index) => {
      const presence = presenceRows[index];
      if (presence) {
        const userId = item.resourceData?.id;
        let entry = accepted.presence.find((a) => a.row.id === presence.id);
        if (!entry) accepted.presence.push((entry = { row: presence, userIds: [] }));
        if (typeof userId === 'string' && userId.length <= 64) entry.userIds.push(userId);
        return;
      }
      const row = rows[index];
      if (!row) return;
      // One wake per subscription and event is enough: the run reads every change anyway.
      const event = lifecycle ? String(item.lifecycleEvent) : '';
      if (accepted.graph.some((a) => a.row.id === row.id && a.event === event)) return;
      accepted.graph.push({ row, event });
    });
    if (accepted.graph.length === 0 && accepted.presence.length === 0) {
      this.logger.warn(
        'Refused a notification post: no item with a known subscription and matching clientState',
      );
      this.http.status(response, 403);
    }
    return accepted;
  }

  private failed(what: string, error: unknown): void {
    this.logger.warn(
      `Handling a ${what} notification failed: ${error instanceof Error ? error.message : 'unknown'}`,
    );
  }
}
