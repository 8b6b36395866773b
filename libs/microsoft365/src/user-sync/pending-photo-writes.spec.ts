import { PendingPhotoWrites } from './pending-photo-writes';

/** A write that ends when the test says so, and records when it began. */
function gate(log: string[], name: string) {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const ended = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return {
    write: async () => {
      log.push(`start ${name}`);
      await ended;
      log.push(`end ${name}`);
    },
    open: () => open(),
    fail: (error: Error) => fail(error),
  };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('PendingPhotoWrites', () => {
  it('writes pages one after another, in the order they were added', async () => {
    const log: string[] = [];
    const writes = new PendingPhotoWrites(3);
    const first = gate(log, '1');
    const second = gate(log, '2');
    await writes.add(first.write);
    await writes.add(second.write);
    await flush();
    expect(log).toEqual(['start 1']);
    second.open();
    await flush();
    expect(log).toEqual(['start 1']);
    first.open();
    await writes.drain();
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('holds the caller while maxPages pages are pending, and lets it go when one is written', async () => {
    const log: string[] = [];
    const writes = new PendingPhotoWrites(2);
    const first = gate(log, '1');
    await writes.add(first.write);
    let returned = false;
    const second = writes.add(gate(log, '2').write).then(() => (returned = true));
    await flush();
    expect(returned).toBe(false);
    expect(writes.size).toBe(2);
    first.open();
    await second;
    expect(returned).toBe(true);
    expect(writes.size).toBe(1);
  });

  it('throws the first failure at the next add and at drain; later pages are still written', async () => {
    const log: string[] = [];
    const writes = new PendingPhotoWrites(3);
    const first = gate(log, '1');
    await writes.add(first.write);
    const second = gate(log, '2');
    await writes.add(second.write);
    first.fail(new Error('photo write failed'));
    second.open();
    await expect(writes.drain()).rejects.toThrow('photo write failed');
    expect(log).toEqual(['start 1', 'start 2', 'end 2']);
    await expect(writes.add(() => Promise.resolve())).rejects.toThrow('photo write failed');
  });

  it('settle waits for every write and does not throw', async () => {
    const log: string[] = [];
    const writes = new PendingPhotoWrites(3);
    const first = gate(log, '1');
    await writes.add(first.write);
    first.fail(new Error('photo write failed'));
    await expect(writes.settle()).resolves.toBeUndefined();
    expect(writes.size).toBe(0);
  });

  it('rejects a bound below one', () => {
    expect(() => new PendingPhotoWrites(0)).toThrow('maxPages must be a positive integer');
  });
});
