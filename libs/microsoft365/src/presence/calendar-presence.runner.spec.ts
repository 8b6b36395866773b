import { nextBoundary } from './calendar-presence.runner';

describe('nextBoundary', () => {
  const now = new Date('2026-12-01T10:00:00Z');
  const at = (time: string) => new Date(`2026-12-01T${time}Z`);
  const item = (status: string, start: string, end: string) => ({ status, start: at(start), end: at(end) });

  it('is the first start or end after now, across overlapping events', () => {
    const items = [item('busy', '09:30:00', '10:30:00'), item('oof', '10:10:00', '10:20:00')];
    expect(new Date(nextBoundary(items, now)).toISOString()).toBe('2026-12-01T10:10:00.000Z');
  });

  it('ignores boundaries at or before now', () => {
    const items = [item('busy', '09:00:00', '10:00:00'), item('busy', '10:00:00', '10:45:00')];
    expect(new Date(nextBoundary(items, now)).toISOString()).toBe('2026-12-01T10:45:00.000Z');
  });

  it('is the end of the read-ahead window (one hour) without any event in it', () => {
    expect(new Date(nextBoundary([], now)).toISOString()).toBe('2026-12-01T11:00:00.000Z');
    expect(new Date(nextBoundary([item('busy', '12:00:00', '13:00:00')], now)).toISOString()).toBe(
      '2026-12-01T11:00:00.000Z',
    );
  });
});
