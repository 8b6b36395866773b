export { M365Emulator, BUILT_IN_ROUTE_FAMILIES } from '@pbx/m365-emulator/m365.emulator';
export type { M365EmulatorOptions } from '@pbx/m365-emulator/emulator.options';
export { EmulatorClock, type EmulatorClockOptions } from '@pbx/m365-emulator/core/emulator.clock';
export { EmulatorControl } from '@pbx/m365-emulator/control/emulator.control';
export { CONTROL_OPERATIONS, type ControlOperation } from '@pbx/m365-emulator/control/control.routes';
export type * from '@pbx/m365-emulator/control/control.types';
export type { EmulatorContext, InnerCall, RouteFamily } from '@pbx/m365-emulator/emulator.context';
export type {
  RouteDefinition,
  RouteHandler,
  RouteKind,
  HttpMethod,
} from '@pbx/m365-emulator/http/route-definition';
export type { EmulatorRequest } from '@pbx/m365-emulator/http/emulator-request';
export type { EmulatorResponse } from '@pbx/m365-emulator/http/emulator-response';
export type {
  FaultConfig,
  LatencyConfig,
  OutlookLimitsConfig,
  ThrottlingConfig,
  ThrottlingInput,
  ThrottleNextInput,
  FailAfterHandlingInput,
} from '@pbx/m365-emulator/faults/fault.config';
export type * from '@pbx/m365-emulator/control/mailbox-control.types';
export type { SentMailRecord, SentAttachment } from '@pbx/m365-emulator/state/mailbox/sent-mail.log';
export type { WebhookConfig } from '@pbx/m365-emulator/graph/subscriptions/webhook.config';
export {
  WebhookReceiver,
  type ReceivedNotification,
  type ValidationBehaviour,
} from '@pbx/m365-emulator/testing/webhook.receiver';
export type { CountersSnapshot } from '@pbx/m365-emulator/faults/request.counters';
export {
  DirectorySeeder,
  DEFAULT_SEED_PERMISSIONS,
  MAILBOX_SEED_PERMISSIONS,
  type SeedOptions,
  type SeedResult,
} from '@pbx/m365-emulator/seed/directory.seeder';
export { GraphError } from '@pbx/m365-emulator/graph/graph.error';
export { AadstsError } from '@pbx/m365-emulator/entra/aadsts.error';
export {
  createRsaCertificate as createClientCertificate,
  type RsaCertificate,
  type RsaCertificateOptions,
} from '@pbx/m365-emulator/tls/rsa-certificate.factory';
export { createTrustingAgent } from '@pbx/m365-emulator/testing/trusting.agent';
export { UndiciNetworkClient } from '@pbx/m365-emulator/testing/undici-network.client';
export {
  createClientAssertion,
  type ClientAssertionInput,
} from '@pbx/m365-emulator/testing/client-assertion.factory';
export { EmulatorFixture, type FetchResult } from '@pbx/m365-emulator/testing/emulator.fixture';
