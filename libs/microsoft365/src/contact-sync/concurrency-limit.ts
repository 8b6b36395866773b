/**
 * At most `max` tasks at a time, the others wait in order. Outlook executes at most 4 concurrent requests per
 * app and mailbox and answers the fifth with 429 MailboxConcurrency (docs/graph-notes.md §6): staying under
 * it is cheaper than waiting out Retry-After.
 */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('max must be a positive integer');
  }

  get running(): number {
    return this.active;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `active` never dips below what is really running.
      if (next) next();
      else this.active--;
    }
  }
}

/** Runs `work` over `items` with at most `limit` in flight; every item runs even when some fail. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const gate = new ConcurrencyLimit(limit);
  const results = await Promise.allSettled(items.map((item) => gate.run(() => work(item))));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
