import { type Clock } from '../common/clock';

export interface MailboxSendLimits {
  concurrent: number;
  perMinute: number;
}

interface MailboxState {
  active: number;
  waiting: (() => void)[];
  /** Start times of the sends of the last minute, oldest first. */
  recent: number[];
}

/**
 * Paces sends per mailbox inside this process: a few at a time (Outlook's 4 concurrent requests per app and
 * mailbox) and no more than Exchange Online's 30 messages a minute, so a burst of voicemails waits here instead
 * of running into 429s or a temporarily blocked mailbox.
 */
export class MailboxSendLimiter {
  private readonly mailboxes = new Map<string, MailboxState>();

  constructor(
    private readonly limits: MailboxSendLimits,
    private readonly clock: Clock,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}

  /** Resolves when the mailbox may send; call the returned function when the send is over. */
  async acquire(mailbox: string): Promise<() => void> {
    const key = mailbox.toLowerCase();
    const state = this.state(key);
    if (state.active >= this.limits.concurrent) {
      await new Promise<void>((resolve) => state.waiting.push(resolve));
    } else {
      state.active += 1;
    }
    // The slot is ours; now respect the per-minute budget.
    for (;;) {
      const now = this.clock.now().getTime();
      while (state.recent.length > 0 && (state.recent[0] ?? 0) <= now - 60_000) state.recent.shift();
      if (state.recent.length < this.limits.perMinute) {
        state.recent.push(now);
        break;
      }
      await this.sleep((state.recent[0] ?? now) + 60_000 - now);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = state.waiting.shift();
      // Hand the slot straight to the next waiter, so a newcomer cannot overtake it.
      if (next) next();
      else state.active -= 1;
      if (state.active === 0 && state.waiting.length === 0 && state.recent.length === 0)
        this.mailboxes.delete(key);
    };
  }

  private state(key: string): MailboxState {
    let state = this.mailboxes.get(key);
    if (!state) {
      state = { active: 0, waiting: [], recent: [] };
      this.mailboxes.set(key, state);
    }
    return state;
  }
}
