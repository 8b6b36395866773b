import { SeededRandom } from './core/seeded.random';
import { EmulatorClock } from './core/emulator.clock';
import { controlRoutes } from './control/control.routes';
import { EmulatorControl } from './control/emulator.control';
import type { EmulatorContext, InnerCall, RouteFamily } from './emulator.context';
import type { M365EmulatorOptions } from './emulator.options';
import { EmulatorUrls } from './emulator-urls';
import { AccessTokenIssuer } from './entra/access-token.issuer';
import { RefreshTokenStore } from './entra/refresh-token.store';
import { AuthorizationCodeStore } from './entra/authorization-code.store';
import { authorizeRoutes } from './entra/authorize.routes';
import { ClientAssertionValidator } from './entra/client-assertion.validator';
import { discoveryRoutes } from './entra/discovery.routes';
import { logoutRoutes } from './entra/logout.routes';
import { SignInSessionStore } from './entra/sign-in-session.store';
import { tokenRoutes } from './entra/token.routes';
import { FaultInjector } from './faults/fault.injector';
import { RequestCounters } from './faults/request.counters';
import { OutlookMailboxThrottle } from './faults/outlook-mailbox.throttle';
import { ResourceUnitThrottle } from './faults/resource-unit.throttle';
import { batchRoutes } from './graph/batch.routes';
import { DirectoryDeltaEngine } from './graph/directory-delta.engine';
import { GraphAuthGuard } from './graph/graph-auth.guard';
import { deletedItemsRoutes } from './graph/deleted-items.routes';
import { groupsRoutes } from './graph/groups.routes';
import { calendarRoutes } from './graph/outlook/calendar.routes';
import { contactsRoutes } from './graph/outlook/contacts.routes';
import { mailRoutes } from './graph/outlook/mail.routes';
import { mailboxSettingsRoutes } from './graph/outlook/mailbox-settings.routes';
import { UploadSessionRegistry } from './graph/outlook/upload-session.registry';
import { uploadSessionRoutes } from './graph/outlook/upload-session.routes';
import { photosRoutes } from './graph/photos.routes';
import { presenceRoutes } from './graph/presence/presence.routes';
import { ChangeNotificationDispatcher } from './graph/subscriptions/change-notification.dispatcher';
import { NotificationUrlValidator } from './graph/subscriptions/notification-url.validator';
import { SubscriptionRegistry } from './graph/subscriptions/subscription.registry';
import { subscriptionsRoutes } from './graph/subscriptions/subscriptions.routes';
import { WebhookClient } from './graph/subscriptions/webhook.client';
import { DEFAULT_WEBHOOK_CONFIG } from './graph/subscriptions/webhook.config';
import { usersRoutes } from './graph/users.routes';
import { EmulatorHttpsServer } from './http/emulator-https.server';
import type { EmulatorResponse } from './http/emulator-response';
import { HttpRouter } from './http/http.router';
import { RequestPipeline } from './http/request.pipeline';
import { CertificateAuthority } from './tls/certificate.authority';
import { TenantRegistry } from './state/tenant.registry';

/** Built-in resource families, one file each; new families are appended here or passed as extraRoutes. */
export const BUILT_IN_ROUTE_FAMILIES: readonly RouteFamily[] = [
  discoveryRoutes,
  tokenRoutes,
  authorizeRoutes,
  logoutRoutes,
  usersRoutes,
  groupsRoutes,
  deletedItemsRoutes,
  photosRoutes,
  mailboxSettingsRoutes,
  contactsRoutes,
  calendarRoutes,
  mailRoutes,
  uploadSessionRoutes,
  subscriptionsRoutes,
  presenceRoutes,
  batchRoutes,
];

/** Entra ID + Microsoft Graph emulator on one loopback HTTPS port. */
export class M365Emulator {
  private constructor(
    private readonly server: EmulatorHttpsServer,
    private readonly webhooks: { dispatcher: ChangeNotificationDispatcher; client: WebhookClient },
    private readonly urls: EmulatorUrls,
    readonly caPem: string,
    readonly caPath: string | undefined,
    readonly clock: EmulatorClock,
    readonly control: EmulatorControl,
  ) {}

  static async start(options: M365EmulatorOptions = {}): Promise<M365Emulator> {
    const clock = options.clock ?? new EmulatorClock();
    const urls = new EmulatorUrls();
    const tenants = new TenantRegistry();
    const random = new SeededRandom(options.seed ?? 20240101);
    const latency =
      typeof options.latencyMs === 'number' ? { fixedMs: options.latencyMs, jitterMs: 0 } : options.latencyMs;
    const faults = new FaultInjector({ ...options.faults, ...(latency ? { latency } : {}) });
    const throttle = new ResourceUnitThrottle(clock, options.throttling);
    const authority = await CertificateAuthority.loadOrCreate(options.stateDir);
    const webhookConfig = { ...DEFAULT_WEBHOOK_CONFIG, ...options.webhooks };
    const webhookClient = new WebhookClient([authority.caPem, ...webhookConfig.trustedCaPem]);
    const subscriptions = new SubscriptionRegistry();
    const notifications = new ChangeNotificationDispatcher(
      subscriptions,
      clock,
      webhookClient,
      webhookConfig,
    );
    const counters = new RequestCounters();
    const router = new HttpRouter();
    const pipeline = new RequestPipeline(router, urls, clock, faults, counters);
    const dispatchInner = async (call: InnerCall): Promise<EmulatorResponse> => {
      const outcome = await pipeline.handle({ ...call, viaBatch: true });
      return outcome.kind === 'respond' ? outcome.response : { status: 502, headers: {} };
    };
    const context: EmulatorContext = {
      clock,
      urls,
      tenants,
      random,
      tokens: new AccessTokenIssuer(clock, urls, random, {
        accessTokenLifetimeSeconds: options.accessTokenLifetimeSeconds,
      }),
      assertions: new ClientAssertionValidator(clock),
      codes: new AuthorizationCodeStore(),
      refreshTokens: new RefreshTokenStore(),
      signIns: new SignInSessionStore(),
      graphAuth: new GraphAuthGuard(tenants, clock, throttle),
      delta: new DirectoryDeltaEngine(urls),
      outlookThrottle: new OutlookMailboxThrottle(clock, () => throttle.outlookLimits),
      outlookLimits: () => throttle.outlookLimits,
      uploadSessions: new UploadSessionRegistry(),
      subscriptions,
      notifications,
      notificationUrls: new NotificationUrlValidator(webhookClient, () => webhookConfig.validationTimeoutMs),
      dispatchInner,
    };
    const control = new EmulatorControl({
      tenants,
      clock,
      urls,
      ids: random,
      faults,
      throttle,
      counters,
      subscriptions,
      notifications,
    });
    for (const family of [...BUILT_IN_ROUTE_FAMILIES, ...(options.extraRoutes ?? [])])
      router.register(...family(context));
    router.register(...controlRoutes(control, authority.caPem));
    const tls = await authority.issueServerCertificate();
    const server = await EmulatorHttpsServer.start(options.port ?? 0, tls, (call) => pipeline.handle(call));
    urls.setPort(server.port);
    return new M365Emulator(
      server,
      { dispatcher: notifications, client: webhookClient },
      urls,
      authority.caPem,
      authority.caPath,
      clock,
      control,
    );
  }

  /** https://localhost:PORT */
  get baseUrl(): string {
    return this.urls.baseUrl;
  }

  /** localhost:PORT, for MSAL's knownAuthorities. */
  get authorityHost(): string {
    return this.urls.authorityHost;
  }

  /** https://localhost:PORT/v1.0 */
  get graphBaseUrl(): string {
    return this.urls.graphBaseUrl;
  }

  get port(): number {
    return this.server.port;
  }

  /** MSAL authority for a tenant id or domain. */
  authority(tenant: string): string {
    return this.urls.authority(tenant);
  }

  async close(): Promise<void> {
    this.webhooks.dispatcher.close();
    await this.server.close();
    await this.webhooks.client.close();
  }
}
