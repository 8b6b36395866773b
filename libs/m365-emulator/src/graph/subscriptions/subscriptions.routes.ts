import type { EmulatorContext, RouteFamily } from '../../emulator.context';
import type { GraphCaller } from '../graph-caller';
import { GraphError } from '../graph.error';
import { mailboxNotEnabled } from '../outlook/outlook.errors';
import { graphDateTime } from './change-notification.dispatcher';
import { GraphSubscription } from './graph-subscription';
import {
  delegatedOnly,
  MAX_PRESENCE_SUBSCRIPTION_IDS,
  maxLifetimeMinutes,
  parsePresenceResource,
  maxLifetimeMs,
  parseSubscriptionResource,
  subscriptionPermission,
  supportedChangeTypes,
  type SubscriptionResourceKind,
} from './subscription-resource';
import { isLoopbackUrl } from './webhook.client';
import { readJson, requireParam, type EmulatorRequest } from '../../http/emulator-request';
import { emptyResponse, odataResponse, type EmulatorResponse } from '../../http/emulator-response';
import type { ResourceChangeType } from '../../state/resource-change.bus';

/** clientState is at most 128 characters (subscription resource, docs/graph-notes.md §9). */
export const MAX_CLIENT_STATE_LENGTH = 128;
/** Quotas (docs/graph-notes.md §9): users/groups 100 per app + tenant; Outlook 1,000 per mailbox. */
const DIRECTORY_QUOTA_PER_APP_AND_TENANT = 100;
const OUTLOOK_QUOTA_PER_MAILBOX = 1_000;

function invalid(message: string): GraphError {
  return new GraphError(400, 'InvalidRequest', message);
}

function forbidden(): GraphError {
  return new GraphError(
    403,
    'ExtensionError',
    'Operation: Create; Exception: [Status Code: Forbidden; Reason: Insufficient privileges to complete the operation.]',
  );
}

function notFound(id: string): GraphError {
  return new GraphError(404, 'ResourceNotFound', `The subscription '${id}' was not found.`);
}

function body(request: EmulatorRequest): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = readJson(request);
  } catch {
    throw new GraphError(400, 'BadRequest', 'Unable to read JSON request payload.');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw invalid('A JSON object is required.');
  return raw as Record<string, unknown>;
}

/**
 * notificationUrl and lifecycleNotificationUrl must be https (docs/graph-notes.md §9). The emulator also
 * accepts http://localhost and http://127.0.0.1 for test receivers, and only ever calls loopback addresses.
 */
function webhookUrl(value: unknown, property: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`${property} is required.`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`${property} '${value}' is not a valid URL.`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackUrl(url)))
    throw invalid(
      `${property === 'notificationUrl' ? 'NotificationUrl' : 'LifecycleNotificationUrl'} scheme='${url.protocol.replace(':', '')}' is not supported.`,
    );
  if (!isLoopbackUrl(url))
    throw invalid(
      `The m365-emulator only delivers notifications to loopback addresses, not to '${url.host}'.`,
    );
  return value;
}

function expiration(value: unknown, kind: SubscriptionResourceKind, now: number): number {
  const parsed = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(parsed))
    throw invalid('expirationDateTime is required and must be an ISO 8601 date and time.');
  if (parsed <= now) throw invalid('Subscription expiration date must be in the future.');
  if (parsed > now + maxLifetimeMs(kind)) {
    throw new GraphError(
      400,
      'ExtensionError',
      `Subscription expiration can only be ${maxLifetimeMinutes(kind)} minutes in the future.`,
    );
  }
  return parsed;
}

function changeTypes(value: unknown, kind: SubscriptionResourceKind): ResourceChangeType[] {
  if (typeof value !== 'string' || value.trim() === '') throw invalid('changeType is required.');
  const supported = supportedChangeTypes(kind);
  return value.split(',').map((part) => {
    const type = part.trim();
    const known = supported.find((candidate) => candidate === type);
    if (!known) throw invalid(`The changeType '${type}' is not supported for this resource.`);
    return known;
  });
}

function describe(
  context: EmulatorContext,
  subscription: GraphSubscription,
  withContext: boolean,
): Record<string, unknown> {
  return {
    ...(withContext
      ? { '@odata.context': `${context.urls.graphBaseUrl}/$metadata#subscriptions/$entity` }
      : {}),
    id: subscription.id,
    resource: subscription.resource,
    applicationId: subscription.appId,
    changeType: subscription.changeTypes.join(','),
    clientState: subscription.clientState ?? null,
    notificationUrl: subscription.notificationUrl,
    notificationQueryOptions: null,
    lifecycleNotificationUrl: subscription.lifecycleNotificationUrl ?? null,
    expirationDateTime: graphDateTime(subscription.expiresAt),
    creatorId: subscription.creatorId,
    includeResourceData: false,
    latestSupportedTlsVersion: subscription.latestSupportedTlsVersion,
    // The default content type of notifications, returned on create in the example of
    // https://learn.microsoft.com/en-us/graph/api/subscription-post-subscriptions?view=graph-rest-1.0.
    notificationContentType: 'application/json',
    encryptionCertificate: null,
    encryptionCertificateId: null,
    notificationUrlAppId: null,
  };
}

class SubscriptionService {
  constructor(private readonly context: EmulatorContext) {}

  async create(request: EmulatorRequest): Promise<EmulatorResponse> {
    const caller = this.context.graphAuth.authenticate(request);
    const input = body(request);
    const now = this.context.clock.now();
    const resource = input['resource'];
    if (typeof resource !== 'string' || resource.trim() === '') throw invalid('resource is required.');
    const presenceIds = parsePresenceResource(resource.trim());
    if (Array.isArray(presenceIds) && presenceIds.length > MAX_PRESENCE_SUBSCRIPTION_IDS) {
      // The limit is documented, Graph's answer beyond it is not: 400, an assumption (docs/graph-notes.md §14).
      throw invalid(
        `A presence subscription can watch at most ${MAX_PRESENCE_SUBSCRIPTION_IDS} users; ${presenceIds.length} were named.`,
      );
    }
    const target = parseSubscriptionResource(resource.trim(), caller.tenant);
    if (!target) throw invalid(`The resource '${resource}' is not supported or does not exist.`);
    this.requirePermission(caller, target.kind);
    const owner = target.userId === undefined ? undefined : caller.tenant.users.find(target.userId);
    if (owner && target.kind !== 'users' && !caller.tenant.mailboxes.hasMailbox(owner))
      throw mailboxNotEnabled();
    const types = changeTypes(input['changeType'], target.kind);
    const notificationUrl = webhookUrl(input['notificationUrl'], 'notificationUrl');
    const lifecycleUrl =
      input['lifecycleNotificationUrl'] === undefined || input['lifecycleNotificationUrl'] === null
        ? undefined
        : webhookUrl(input['lifecycleNotificationUrl'], 'lifecycleNotificationUrl');
    const expiresAt = expiration(input['expirationDateTime'], target.kind, now);
    const clientState = input['clientState'];
    if (
      clientState !== undefined &&
      clientState !== null &&
      (typeof clientState !== 'string' || clientState.length > MAX_CLIENT_STATE_LENGTH)
    )
      throw invalid(`clientState must be a string of at most ${MAX_CLIENT_STATE_LENGTH} characters.`);
    if (input['includeResourceData'] === true)
      throw invalid('includeResourceData (rich notifications) is not supported by the m365-emulator.');
    this.checkQuota(caller, target.kind, target.userId, now);
    await this.context.notificationUrls.validate(notificationUrl);
    if (lifecycleUrl !== undefined) await this.context.notificationUrls.validate(lifecycleUrl);
    const app = caller.tenant.findApp(caller.appId);
    const subscription = new GraphSubscription(
      this.context.random.guid(),
      caller.tenant.id,
      caller.appId,
      app?.servicePrincipalId ?? caller.appId,
      resource.trim(),
      target,
      types,
      notificationUrl,
      lifecycleUrl,
      typeof clientState === 'string' ? clientState : undefined,
      expiresAt,
      typeof input['latestSupportedTlsVersion'] === 'string' ? input['latestSupportedTlsVersion'] : 'v1_2',
    );
    this.context.subscriptions.add(subscription);
    this.context.notifications.watch(caller.tenant);
    return odataResponse(201, describe(this.context, subscription, true));
  }

  list(request: EmulatorRequest): EmulatorResponse {
    const caller = this.context.graphAuth.authenticate(request);
    const mine = this.context.subscriptions
      .forTenant(caller.tenant.id, this.context.clock.now())
      .filter((subscription) => subscription.appId === caller.appId);
    return odataResponse(200, {
      '@odata.context': `${this.context.urls.graphBaseUrl}/$metadata#subscriptions`,
      value: mine.map((subscription) => describe(this.context, subscription, false)),
    });
  }

  get(request: EmulatorRequest): EmulatorResponse {
    return odataResponse(200, describe(this.context, this.owned(request), true));
  }

  async update(request: EmulatorRequest): Promise<EmulatorResponse> {
    const subscription = this.owned(request);
    const input = body(request);
    for (const key of Object.keys(input)) {
      if (key !== 'expirationDateTime' && key !== 'notificationUrl')
        throw invalid(
          `The property '${key}' cannot be updated; only expirationDateTime and notificationUrl can.`,
        );
    }
    const now = this.context.clock.now();
    const expiresAt =
      input['expirationDateTime'] === undefined
        ? undefined
        : expiration(input['expirationDateTime'], subscription.target.kind, now);
    if (input['notificationUrl'] !== undefined) {
      const url = webhookUrl(input['notificationUrl'], 'notificationUrl');
      await this.context.notificationUrls.validate(url);
      subscription.notificationUrl = url;
    }
    if (expiresAt !== undefined) subscription.expiresAt = expiresAt;
    return odataResponse(200, describe(this.context, subscription, true));
  }

  remove(request: EmulatorRequest): EmulatorResponse {
    this.context.subscriptions.remove(this.owned(request).id);
    return emptyResponse(204);
  }

  reauthorize(request: EmulatorRequest): EmulatorResponse {
    this.owned(request);
    return emptyResponse(204);
  }

  /** A subscription is visible to the app that created it, with the permission its resource needs. */
  private owned(request: EmulatorRequest): GraphSubscription {
    const caller = this.context.graphAuth.authenticate(request);
    const id = requireParam(request, 'subscriptionId');
    const subscription = this.context.subscriptions.find(id, this.context.clock.now());
    if (!subscription || subscription.tenantId !== caller.tenant.id || subscription.appId !== caller.appId)
      throw notFound(id);
    this.requirePermission(caller, subscription.target.kind);
    return subscription;
  }

  /**
   * The read permission the resource needs; for presence, delegated only ("Application: Not supported",
   * https://learn.microsoft.com/en-us/graph/changenotifications-for-presence): an app-only token is refused like
   * a missing permission (Graph's exact answer is not documented, docs/graph-notes.md §14).
   */
  private requirePermission(caller: GraphCaller, kind: SubscriptionResourceKind): void {
    if (delegatedOnly(kind) && caller.kind !== 'delegated') throw forbidden();
    if (!caller.permissions.has(subscriptionPermission(kind))) throw forbidden();
  }

  private checkQuota(
    caller: GraphCaller,
    kind: SubscriptionResourceKind,
    mailboxUserId: string | undefined,
    now: number,
  ): void {
    // No quota is documented for presence subscriptions.
    if (kind === 'presences') return;
    const existing = this.context.subscriptions.forTenant(caller.tenant.id, now);
    const directory = kind === 'users' || kind === 'groups';
    const count = directory
      ? existing.filter(
          (s) => s.appId === caller.appId && (s.target.kind === 'users' || s.target.kind === 'groups'),
        ).length
      : existing.filter(
          (s) =>
            s.target.userId === mailboxUserId && (s.target.kind === 'contacts' || s.target.kind === 'events'),
        ).length;
    const limit = directory ? DIRECTORY_QUOTA_PER_APP_AND_TENANT : OUTLOOK_QUOTA_PER_MAILBOX;
    if (count >= limit) {
      throw new GraphError(
        403,
        'ExtensionError',
        directory
          ? `Subscription quota exceeded: at most ${limit} user and group subscriptions per application and tenant.`
          : `Subscription quota exceeded: at most ${limit} subscriptions per mailbox.`,
      );
    }
  }
}

/** /subscriptions: create with the validation handshake, list, get, renew (PATCH), delete, reauthorize (§9). */
export const subscriptionsRoutes: RouteFamily = (context) => {
  const service = new SubscriptionService(context);
  return [
    {
      method: 'POST',
      path: '/v1.0/subscriptions',
      kind: 'graph',
      handler: (request) => service.create(request),
    },
    {
      method: 'GET',
      path: '/v1.0/subscriptions',
      kind: 'graph',
      handler: (request) => service.list(request),
    },
    {
      method: 'GET',
      path: '/v1.0/subscriptions/{subscriptionId}',
      kind: 'graph',
      handler: (request) => service.get(request),
    },
    {
      method: 'PATCH',
      path: '/v1.0/subscriptions/{subscriptionId}',
      kind: 'graph',
      handler: (request) => service.update(request),
    },
    {
      method: 'DELETE',
      path: '/v1.0/subscriptions/{subscriptionId}',
      kind: 'graph',
      handler: (request) => service.remove(request),
    },
    {
      method: 'POST',
      path: '/v1.0/subscriptions/{subscriptionId}/reauthorize',
      kind: 'graph',
      handler: (request) => service.reauthorize(request),
    },
  ];
};
