export { M365Emulator, BUILT_IN_ROUTE_FAMILIES } from './m365.emulator';
export type { M365EmulatorOptions } from './emulator.options';
export { EmulatorClock, type EmulatorClockOptions } from './core/emulator.clock';
export { EmulatorControl } from './control/emulator.control';
export { CONTROL_OPERATIONS, type ControlOperation } from './control/control.routes';
export type * from './control/control.types';
export type { EmulatorContext, InnerCall, RouteFamily } from './emulator.context';
export type { RouteDefinition, RouteHandler, RouteKind, HttpMethod } from './http/route-definition';
export type { EmulatorRequest } from './http/emulator-request';
export type { EmulatorResponse } from './http/emulator-response';
export type {
  FaultConfig,
  LatencyConfig,
  OutlookLimitsConfig,
  ThrottlingConfig,
  ThrottlingInput,
  ThrottleNextInput,
  FailAfterHandlingInput,
} from './faults/fault.config';
export type * from './control/mailbox-control.types';
export type { UserPresenceInfo } from './control/presence.control';
export type { SentMailRecord, SentAttachment } from './state/mailbox/sent-mail.log';
export type { WebhookConfig } from './graph/subscriptions/webhook.config';
export {
  WebhookReceiver,
  type ReceivedNotification,
  type ValidationBehaviour,
} from './testing/webhook.receiver';
export type { CountersSnapshot } from './faults/request.counters';
export {
  DirectorySeeder,
  DEFAULT_SEED_PERMISSIONS,
  MAILBOX_SEED_PERMISSIONS,
  type SeedOptions,
  type SeedResult,
} from './seed/directory.seeder';
export { GraphError } from './graph/graph.error';
export { AadstsError } from './entra/aadsts.error';
export {
  createRsaCertificate as createClientCertificate,
  type RsaCertificate,
  type RsaCertificateOptions,
} from './tls/rsa-certificate.factory';
export { createTrustingAgent } from './testing/trusting.agent';
export { UndiciNetworkClient } from './testing/undici-network.client';
export { createClientAssertion, type ClientAssertionInput } from './testing/client-assertion.factory';
export { EmulatorFixture, type FetchResult } from './testing/emulator.fixture';
export { signInOnEmulator, type FormPost } from './testing/sign-in.driver';
