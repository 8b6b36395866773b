import { KeyedDebouncer } from './keyed-debouncer';

describe('KeyedDebouncer', () => {
  let calls: string[];
  let waits: number[];
  let outcomes: ('done' | 'busy')[];
  let release: (() => void) | null;
  let hold: boolean;
  let debouncer: KeyedDebouncer;

  beforeEach(() => {
    jest.useFakeTimers();
    calls = [];
    waits = [];
    outcomes = [];
    release = null;
    hold = false;
    debouncer = new KeyedDebouncer({
      windowMs: 1_000,
      retryMs: 500,
      work: async (key, waitedMs) => {
        calls.push(key);
        waits.push(waitedMs);
        if (hold) await new Promise<void>((resolve) => (release = resolve));
        return outcomes.shift() ?? 'done';
      },
    });
  });

  afterEach(async () => {
    jest.useRealTimers();
    await debouncer.close();
  });

  /** Runs due timers and lets the promises they started settle. */
  async function advance(ms: number): Promise<void> {
    await jest.advanceTimersByTimeAsync(ms);
  }

  it('gathers a burst of pokes into one call after the window', async () => {
    for (let i = 0; i < 50; i++) debouncer.poke('t1');
    await advance(999);
    expect(calls).toEqual([]);
    await advance(1);
    expect(calls).toEqual(['t1']);
    await advance(10_000);
    expect(calls).toEqual(['t1']);
    expect(debouncer.pending('t1')).toBe(false);
  });

  it('keeps keys apart', async () => {
    debouncer.poke('t1');
    debouncer.poke('t2');
    debouncer.poke('t1');
    await advance(1_000);
    expect(calls.sort()).toEqual(['t1', 't2']);
  });

  it('owes exactly one more call when pokes arrive while a call runs', async () => {
    hold = true;
    debouncer.poke('t1');
    await advance(1_000);
    expect(calls).toEqual(['t1']);
    for (let i = 0; i < 10; i++) debouncer.poke('t1');
    await advance(5_000);
    expect(calls).toEqual(['t1']);
    hold = false;
    release?.();
    await advance(999);
    expect(calls).toEqual(['t1']);
    await advance(1);
    expect(calls).toEqual(['t1', 't1']);
    await advance(10_000);
    expect(calls).toEqual(['t1', 't1']);
  });

  it('retries while the work is busy (another run holds the lock), then stops', async () => {
    outcomes = ['busy', 'busy', 'done'];
    debouncer.poke('t1');
    await advance(1_000);
    expect(calls).toHaveLength(1);
    expect(debouncer.pending('t1')).toBe(true);
    await advance(500);
    await advance(500);
    expect(calls).toHaveLength(3);
    await advance(10_000);
    expect(calls).toHaveLength(3);
    expect(debouncer.pending('t1')).toBe(false);
  });

  it('tells each call how long since the first poke it answers, busy rounds included', async () => {
    outcomes = ['busy', 'done'];
    debouncer.poke('t1');
    await advance(300);
    debouncer.poke('t1');
    await advance(700);
    await advance(500);
    expect(waits).toEqual([1_000, 1_500]);

    hold = true;
    debouncer.poke('t1');
    await advance(1_000);
    await advance(200);
    // Arrives while the call runs: the next round counts from here.
    debouncer.poke('t1');
    await advance(300);
    hold = false;
    release?.();
    await advance(1_000);
    expect(waits).toEqual([1_000, 1_500, 1_000, 1_300]);
  });

  it('survives a failing call and reports it', async () => {
    const errors: unknown[] = [];
    const failing = new KeyedDebouncer({
      windowMs: 10,
      retryMs: 10,
      work: () => Promise.reject(new Error('boom')),
      onError: (_key, error) => errors.push(error),
    });
    failing.poke('t1');
    await advance(10);
    expect(errors).toHaveLength(1);
    expect(failing.pending('t1')).toBe(false);
    await failing.close();
  });
});
