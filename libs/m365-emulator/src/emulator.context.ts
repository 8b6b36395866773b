import type { EmulatorClock } from './core/emulator.clock';
import type { SeededRandom } from './core/seeded.random';
import type { EmulatorUrls } from './emulator-urls';
import type { AccessTokenIssuer } from './entra/access-token.issuer';
import type { AuthorizationCodeStore } from './entra/authorization-code.store';
import type { ClientAssertionValidator } from './entra/client-assertion.validator';
import type { RefreshTokenStore } from './entra/refresh-token.store';
import type { SignInSessionStore } from './entra/sign-in-session.store';
import type { OutlookLimitsConfig } from './faults/fault.config';
import type { OutlookMailboxThrottle } from './faults/outlook-mailbox.throttle';
import type { DirectoryDeltaEngine } from './graph/directory-delta.engine';
import type { GraphAuthGuard } from './graph/graph-auth.guard';
import type { UploadSessionRegistry } from './graph/outlook/upload-session.registry';
import type { ChangeNotificationDispatcher } from './graph/subscriptions/change-notification.dispatcher';
import type { NotificationUrlValidator } from './graph/subscriptions/notification-url.validator';
import type { SubscriptionRegistry } from './graph/subscriptions/subscription.registry';
import type { EmulatorResponse } from './http/emulator-response';
import type { RouteDefinition } from './http/route-definition';
import type { TenantRegistry } from './state/tenant.registry';

export interface InnerCall {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** Everything a route family may use. New resource families (mailboxes, subscriptions...) get the same. */
export interface EmulatorContext {
  readonly clock: EmulatorClock;
  readonly urls: EmulatorUrls;
  readonly tenants: TenantRegistry;
  /** Seeded PRNG for ids and token lifetimes. */
  readonly random: SeededRandom;
  readonly tokens: AccessTokenIssuer;
  readonly assertions: ClientAssertionValidator;
  readonly codes: AuthorizationCodeStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly signIns: SignInSessionStore;
  readonly graphAuth: GraphAuthGuard;
  readonly delta: DirectoryDeltaEngine;
  /** Outlook limits per app + mailbox (docs/graph-notes.md §6) and the live configuration behind them. */
  readonly outlookThrottle: OutlookMailboxThrottle;
  outlookLimits(): OutlookLimitsConfig;
  readonly uploadSessions: UploadSessionRegistry;
  readonly subscriptions: SubscriptionRegistry;
  readonly notifications: ChangeNotificationDispatcher;
  readonly notificationUrls: NotificationUrlValidator;
  /** Runs a request through the same router and pipeline (used by $batch). */
  dispatchInner(call: InnerCall): Promise<EmulatorResponse>;
}

export type RouteFamily = (context: EmulatorContext) => RouteDefinition[];
