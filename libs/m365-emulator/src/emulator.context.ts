import type { EmulatorClock } from '@pbx/m365-emulator/core/emulator.clock';
import type { SeededRandom } from '@pbx/m365-emulator/core/seeded.random';
import type { EmulatorUrls } from '@pbx/m365-emulator/emulator-urls';
import type { AccessTokenIssuer } from '@pbx/m365-emulator/entra/access-token.issuer';
import type { AuthorizationCodeStore } from '@pbx/m365-emulator/entra/authorization-code.store';
import type { ClientAssertionValidator } from '@pbx/m365-emulator/entra/client-assertion.validator';
import type { SignInSessionStore } from '@pbx/m365-emulator/entra/sign-in-session.store';
import type { OutlookLimitsConfig } from '@pbx/m365-emulator/faults/fault.config';
import type { OutlookMailboxThrottle } from '@pbx/m365-emulator/faults/outlook-mailbox.throttle';
import type { DirectoryDeltaEngine } from '@pbx/m365-emulator/graph/directory-delta.engine';
import type { GraphAuthGuard } from '@pbx/m365-emulator/graph/graph-auth.guard';
import type { UploadSessionRegistry } from '@pbx/m365-emulator/graph/outlook/upload-session.registry';
import type { ChangeNotificationDispatcher } from '@pbx/m365-emulator/graph/subscriptions/change-notification.dispatcher';
import type { NotificationUrlValidator } from '@pbx/m365-emulator/graph/subscriptions/notification-url.validator';
import type { SubscriptionRegistry } from '@pbx/m365-emulator/graph/subscriptions/subscription.registry';
import type { EmulatorResponse } from '@pbx/m365-emulator/http/emulator-response';
import type { RouteDefinition } from '@pbx/m365-emulator/http/route-definition';
import type { TenantRegistry } from '@pbx/m365-emulator/state/tenant.registry';

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
  readonly signIns: SignInSessionStore;
  readonly graphAuth: GraphAuthGuard;
  readonly delta: DirectoryDeltaEngine;
  /** Outlook limits per app + mailbox (graph-facts §6) and the live configuration behind them. */
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
