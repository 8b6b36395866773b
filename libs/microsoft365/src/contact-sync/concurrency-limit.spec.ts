import { ConcurrencyLimit, forEachLimited } from './concurrency-limit';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ConcurrencyLimit', () => {
  it('never runs more than max tasks at once, and runs them all in order', async () => {
    const limit = new ConcurrencyLimit(4);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limit.run(async () => {
          started.push(i);
          running++;
          peak = Math.max(peak, running);
          await tick();
          running--;
        }),
      ),
    );
    expect(peak).toBe(4);
    expect(started).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(limit.running).toBe(0);
  });

  it('frees the slot of a failed task', async () => {
    const limit = new ConcurrencyLimit(1);
    await expect(limit.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limit.run(() => Promise.resolve(7))).resolves.toBe(7);
  });

  it('rejects a limit below one', () => {
    expect(() => new ConcurrencyLimit(0)).toThrow(RangeError);
  });

  it('forEachLimited finishes every item before reporting a failure', async () => {
    const done: number[] = [];
    await expect(
      forEachLimited([1, 2, 3], 2, async (n) => {
        await tick();
        if (n === 1) throw new Error('one failed');
        done.push(n);
      }),
    ).rejects.toThrow('one failed');
    expect(done.sort()).toEqual([2, 3]);
  });
});
