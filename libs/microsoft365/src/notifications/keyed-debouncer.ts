export interface KeyedDebouncerOptions {
  /** Pokes within this window after the first one are gathered into one call. */
  windowMs: number;
  /** After `work` said "busy" (someone else's run holds the lock), try again after this long. */
  retryMs: number;
  /**
   * Does the work for a key; 'busy' means it could not start now and must be tried again later. `waitedMs`: since
   * the first poke this call answers (busy rounds included), for the notification lag metric.
   */
  work: (key: string, waitedMs: number) => Promise<'done' | 'busy'>;
  onError?: (key: string, error: unknown) => void;
}

interface KeyState {
  timer: NodeJS.Timeout | null;
  running: boolean;
  /** A poke arrived while the work ran: one more round is owed after it. */
  again: boolean;
  /** When the first poke not yet answered by a call arrived (ms since the epoch). */
  since: number | null;
}

/**
 * Turns a burst of pokes per key into one call of `work`, never two at once for a key, and one more call after a
 * running one when pokes arrived meanwhile (the running call may have read the state before the change).
 */
export class KeyedDebouncer {
  private readonly keys = new Map<string, KeyState>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: KeyedDebouncerOptions) {}

  poke(key: string): void {
    if (this.closed) return;
    const state = this.keys.get(key) ?? { timer: null, running: false, again: false, since: null };
    this.keys.set(key, state);
    state.since ??= Date.now();
    if (state.running) {
      state.again = true;
      return;
    }
    if (state.timer === null) this.schedule(key, state, this.options.windowMs);
  }

  /** Whether a call is waiting or running for the key. */
  pending(key: string): boolean {
    const state = this.keys.get(key);
    return state !== undefined && (state.running || state.timer !== null || state.again);
  }

  /** Stops the timers and waits for running calls. */
  async close(): Promise<void> {
    this.closed = true;
    for (const state of this.keys.values()) if (state.timer) clearTimeout(state.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  private schedule(key: string, state: KeyState, delayMs: number): void {
    state.timer = setTimeout(() => {
      state.timer = null;
      const done = this.fire(key, state).finally(() => this.inFlight.delete(done));
      this.inFlight.add(done);
    }, delayMs);
    state.timer.unref?.();
  }

  private async fire(key: string, state: KeyState): Promise<void> {
    if (this.closed) return;
    state.running = true;
    state.again = false;
    const now = Date.now();
    const since = state.since ?? now;
    state.since = null;
    let outcome: 'done' | 'busy' = 'done';
    try {
      outcome = await this.options.work(key, now - since);
    } catch (error) {
      this.options.onError?.(key, error);
    } finally {
      state.running = false;
    }
    if (this.closed) return;
    if (outcome === 'busy') {
      state.since = Math.min(since, state.since ?? since);
      this.schedule(key, state, this.options.retryMs);
    } else if (state.again) {
      this.schedule(key, state, this.options.windowMs);
    } else {
      this.keys.delete(key);
    }
  }
}

/** How long notifications for one key are gathered into one run unless `notifications.debounceMs` says otherwise. */
export const DEFAULT_DEBOUNCE_MS = 5_000;
/** How soon a debounced run looks again when another run holds the tenant's lock. */
export const BUSY_RETRY_MS = 2_000;
