import type { EmulatorClock } from './core/emulator.clock';
import type { RouteFamily } from './emulator.context';
import type { WebhookConfig } from './graph/subscriptions/webhook.config';
import type { FaultConfig, LatencyConfig, ThrottlingInput } from './faults/fault.config';

export interface M365EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  clock?: EmulatorClock;
  /** Shortcut for faults.latency; a number is a fixed delay. */
  latencyMs?: number | LatencyConfig;
  faults?: Partial<FaultConfig>;
  throttling?: ThrottlingInput;
  /** Keeps the CA (ca.pem, ca-key.pem) across restarts. */
  stateDir?: string;
  /** Seeds ids and token lifetimes. */
  seed?: number | string;
  accessTokenLifetimeSeconds?: number;
  /**
   * Webhook timeouts, batching and retries for change notifications (defaults follow docs/graph-notes.md §9).
   */
  webhooks?: Partial<WebhookConfig>;
  /** Extra resource families (e.g. mailboxes) registered next to the built-in ones. */
  extraRoutes?: RouteFamily[];
}
