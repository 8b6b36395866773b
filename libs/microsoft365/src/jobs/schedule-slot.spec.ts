import { nextSlot, nextSlotTime, scheduleFingerprint, slotJobId, spreadOffsetMs } from './schedule-slot';

describe('schedule slots', () => {
  it('gives the next slot strictly after a time, in the schedule time zone', () => {
    const berlin = { cron: '30 2 * * *', timeZone: 'Europe/Berlin' };
    expect(nextSlotTime(berlin, new Date('2026-12-06T00:00:00Z'))?.toISOString()).toBe(
      '2026-12-06T01:30:00.000Z',
    );
    // Exactly at a slot: the next one, so the job that ran a slot never enqueues the same slot again.
    expect(nextSlotTime(berlin, new Date('2026-12-06T01:30:00Z'))?.toISOString()).toBe(
      '2026-12-07T01:30:00.000Z',
    );
    expect(
      nextSlotTime(
        { cron: '30 2 * * *', timeZone: 'Asia/Tokyo' },
        new Date('2026-12-06T00:00:00Z'),
      )?.toISOString(),
    ).toBe('2026-12-06T17:30:00.000Z');
  });

  it('refuses a schedule that cannot run', () => {
    expect(nextSlotTime({ cron: '*/5 * * * * *', timeZone: 'UTC' }, new Date())).toBeNull();
  });

  it('spreads tenants over the window, the same on every instance', () => {
    const offsets = Array.from({ length: 1000 }, (_, i) => spreadOffsetMs(`tenant-${i}`, 'users', 300));
    expect(Math.min(...offsets)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...offsets)).toBeLessThan(300_000);
    // Roughly even: every minute of the five gets a fair share.
    const perMinute = [0, 0, 0, 0, 0];
    for (const offset of offsets)
      perMinute[Math.floor(offset / 60_000)] = (perMinute[Math.floor(offset / 60_000)] ?? 0) + 1;
    for (const count of perMinute) expect(count).toBeGreaterThan(150);
    expect(spreadOffsetMs('tenant-1', 'users', 300)).toBe(spreadOffsetMs('tenant-1', 'users', 300));
    expect(spreadOffsetMs('tenant-1', 'users', 0)).toBe(0);
    const slot = nextSlot({ cron: '0 0 * * *', timeZone: 'UTC' }, new Date('2026-12-06T12:00:00Z'), {
      pbxTenantId: 'tenant-1',
      feature: 'users',
      seconds: 300,
    });
    expect(slot?.startAt.getTime()).toBe(
      (slot?.slot.getTime() ?? NaN) + spreadOffsetMs('tenant-1', 'users', 300),
    );
  });

  it('names a slot with one job id per tenant, feature and time', () => {
    const slot = new Date('2026-12-07T00:00:00Z');
    const daily = { cron: '0 0 * * *', timeZone: 'UTC' };
    const id = slotJobId('t1', 'users', daily, slot);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(slotJobId('t1', 'users', { ...daily }, new Date(slot))).toBe(id);
    expect(slotJobId('t2', 'users', daily, slot)).not.toBe(id);
    expect(slotJobId('t1', 'contacts', daily, slot)).not.toBe(id);
    expect(slotJobId('t1', 'users', daily, new Date('2026-12-08T00:00:00Z'))).not.toBe(id);
    // Weekdays only, next slot at the same time: another schedule, another slot.
    expect(slotJobId('t1', 'users', { cron: '0 0 * * 1-5', timeZone: 'UTC' }, slot)).not.toBe(id);
    expect(scheduleFingerprint({ cron: '0 0 * * *', timeZone: 'UTC' })).toBe('0 0 * * * @ UTC');
  });
});
