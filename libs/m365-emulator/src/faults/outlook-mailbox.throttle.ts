import type { EmulatorClock } from '@pbx/m365-emulator/core/emulator.clock';
import type { OutlookLimitsConfig } from '@pbx/m365-emulator/faults/fault.config';

export type OutlookAdmission =
  | { readonly admitted: true; release(): void }
  | {
      readonly admitted: false;
      readonly limit: 'concurrency' | 'requests';
      readonly retryAfterSeconds: number;
    };

interface MailboxBudget {
  inFlight: number;
  tokens: number;
  updatedAt: number;
}

const WINDOW_MS = 10 * 60_000;

/**
 * Outlook's per app ID + mailbox limits (graph-facts §6): concurrent requests, and 10,000 requests per
 * 10 minutes modelled as a token bucket refilling continuously over the emulator clock.
 */
export class OutlookMailboxThrottle {
  private readonly budgets = new Map<string, MailboxBudget>();
  private configured: OutlookLimitsConfig | undefined;

  constructor(
    private readonly clock: EmulatorClock,
    private readonly limits: () => OutlookLimitsConfig,
  ) {}

  admit(tenantId: string, appId: string, mailboxUserId: string): OutlookAdmission {
    const limits = this.limits();
    if (!limits.enabled) return { admitted: true, release: () => undefined };
    if (this.configured !== limits) {
      // setThrottling replaced the limits: start from full buckets, as the RU throttle does.
      this.configured = limits;
      for (const budget of this.budgets.values()) budget.tokens = limits.requestsPer10Minutes;
    }
    const key = `${tenantId}/${appId}/${mailboxUserId}`;
    const now = this.clock.now();
    const budget = this.budgets.get(key) ?? {
      inFlight: 0,
      tokens: limits.requestsPer10Minutes,
      updatedAt: now,
    };
    this.budgets.set(key, budget);
    const refillPerMs = limits.requestsPer10Minutes / WINDOW_MS;
    budget.tokens = Math.min(
      limits.requestsPer10Minutes,
      budget.tokens + Math.max(0, now - budget.updatedAt) * refillPerMs,
    );
    budget.updatedAt = now;
    if (budget.inFlight >= limits.concurrentRequestsPerMailbox)
      return { admitted: false, limit: 'concurrency', retryAfterSeconds: 1 };
    if (budget.tokens < 1) {
      const retryAfterSeconds = Math.max(1, Math.ceil((1 - budget.tokens) / refillPerMs / 1000));
      return { admitted: false, limit: 'requests', retryAfterSeconds };
    }
    budget.tokens -= 1;
    budget.inFlight += 1;
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        budget.inFlight -= 1;
      },
    };
  }
}
