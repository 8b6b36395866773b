/** How the emulator talks to webhook receivers; the defaults follow docs/graph-notes.md §9. */
export interface WebhookConfig {
  /** The receiver must answer the validation request within 10 s. */
  validationTimeoutMs: number;
  /** The receiver must answer a notification within 3 s, otherwise it counts as a failed attempt. */
  deliveryTimeoutMs: number;
  /** Changes arriving within this window go out in one changeNotificationCollection. */
  batchDelayMs: number;
  /** Delays before the retries of a failed delivery (Graph retries for hours; the emulator a few times). */
  retryDelaysMs: number[];
  /** Extra CA certificates (PEM) trusted for https receivers on loopback, besides the system and emulator CAs. */
  trustedCaPem: string[];
}

export const DEFAULT_WEBHOOK_CONFIG: WebhookConfig = {
  validationTimeoutMs: 10_000,
  deliveryTimeoutMs: 3_000,
  batchDelayMs: 100,
  retryDelaysMs: [1_000, 5_000, 15_000],
  trustedCaPem: [],
};
