import { MailboxSendLimiter } from './mailbox-send-limiter';

describe('MailboxSendLimiter', () => {
  let now: number;
  const slept: number[] = [];
  const clock = { now: () => new Date(now) };
  const sleep = (ms: number) => {
    slept.push(ms);
    now += ms;
    return Promise.resolve();
  };

  beforeEach(() => {
    now = Date.UTC(2026, 10, 22, 12);
    slept.length = 0;
  });

  it('lets a few sends run at once per mailbox and queues the rest in order', async () => {
    const limiter = new MailboxSendLimiter({ concurrent: 2, perMinute: 100 }, clock, sleep);
    const first = await limiter.acquire('pbx@contoso.com');
    const second = await limiter.acquire('PBX@contoso.com');
    const order: string[] = [];
    const third = limiter.acquire('pbx@contoso.com').then((release) => (order.push('third'), release));
    const fourth = limiter.acquire('pbx@contoso.com').then((release) => (order.push('fourth'), release));
    const other = await limiter.acquire('other@contoso.com');
    await Promise.resolve();
    expect(order).toEqual([]);
    first();
    first(); // releasing twice frees one slot only
    (await third)();
    second();
    (await fourth)();
    other();
    expect(order).toEqual(['third', 'fourth']);
  });

  it('sends at most perMinute messages in any minute per mailbox', async () => {
    const limiter = new MailboxSendLimiter({ concurrent: 10, perMinute: 30 }, clock, sleep);
    for (let i = 0; i < 30; i++) {
      (await limiter.acquire('pbx@contoso.com'))();
      now += 100;
    }
    expect(slept).toEqual([]);
    (await limiter.acquire('pbx@contoso.com'))();
    // The first send happened 3 s ago: the 31st waits until it is a minute old.
    expect(slept).toEqual([57_000]);
    (await limiter.acquire('another@contoso.com'))();
    expect(slept).toHaveLength(1);
  });
});
