import { EmulatorClock } from '../core/emulator.clock';
import { DEFAULT_THROTTLING_CONFIG, type OutlookLimitsConfig } from './fault.config';
import { OutlookMailboxThrottle, type OutlookAdmission } from './outlook-mailbox.throttle';

const MINUTE = 60_000;

describe('OutlookMailboxThrottle: 10,000 requests per 10 minutes per app + mailbox', () => {
  let clock: EmulatorClock;
  let throttle: OutlookMailboxThrottle;
  let limits: OutlookLimitsConfig;

  beforeEach(() => {
    clock = new EmulatorClock({ frozen: true, startAt: Date.UTC(2025, 0, 6, 9, 0, 0) });
    limits = DEFAULT_THROTTLING_CONFIG.outlook;
    throttle = new OutlookMailboxThrottle(clock, () => limits);
  });

  /** Admits `count` sequential requests (each finishes before the next), failing on the first refusal. */
  function send(count: number, mailbox = 'mailbox'): void {
    for (let i = 0; i < count; i++) {
      const admission = throttle.admit('tenant', 'app', mailbox);
      if (!admission.admitted) throw new Error(`request ${i + 1} refused: ${JSON.stringify(admission)}`);
      admission.release();
    }
  }

  const next = (mailbox = 'mailbox'): OutlookAdmission => throttle.admit('tenant', 'app', mailbox);

  it('refuses request 10,001 inside one window and accepts again once the window has passed', () => {
    // Spread over 9 minutes: a refilling token bucket would have regained ~9,000 tokens by the end.
    for (let minute = 0; minute < 10; minute++) {
      send(1_000);
      if (minute < 9) clock.advance(MINUTE);
    }
    const refused = next();
    expect(refused).toEqual({ admitted: false, limit: 'requests', retryAfterSeconds: 60 });
    // Retry-After names the moment the oldest requests (minute 0) leave the window.
    clock.advance(59_000);
    expect(next()).toMatchObject({ admitted: false, limit: 'requests', retryAfterSeconds: 1 });
    clock.advance(1_000);
    send(1_000);
    expect(next()).toMatchObject({ admitted: false, limit: 'requests' });
  });

  it('never lets more than 10,000 through in any 10-minute span (no continuous refill)', () => {
    send(10_000);
    clock.advance(5 * MINUTE);
    expect(next()).toEqual({ admitted: false, limit: 'requests', retryAfterSeconds: 300 });
    clock.advance(5 * MINUTE - 1);
    expect(next()).toEqual({ admitted: false, limit: 'requests', retryAfterSeconds: 1 });
    clock.advance(1);
    send(10_000);
    expect(next()).toEqual({ admitted: false, limit: 'requests', retryAfterSeconds: 600 });
  });

  it('slides: requests leave the window 10 minutes after they were made, oldest first', () => {
    send(5_000);
    clock.advance(5 * MINUTE);
    send(5_000);
    expect(next()).toMatchObject({ admitted: false, retryAfterSeconds: 300 });
    clock.advance(5 * MINUTE);
    send(5_000);
    expect(next()).toMatchObject({ admitted: false, retryAfterSeconds: 300 });
  });

  it('counts each app + mailbox separately and lets refused requests not count', () => {
    send(10_000, 'a');
    for (let i = 0; i < 50; i++) expect(next('a')).toMatchObject({ admitted: false });
    send(10_000, 'b');
    expect(throttle.admit('tenant', 'other-app', 'a')).toMatchObject({ admitted: true });
    clock.advance(10 * MINUTE);
    send(10_000, 'a');
  });

  it('keeps memory per mailbox small and forgets idle mailboxes after a window', () => {
    for (let i = 0; i < 1_000; i++) send(3, `mailbox-${i}`);
    expect(throttle.trackedMailboxes()).toBe(1_000);
    clock.advance(10 * MINUTE);
    send(1, 'fresh');
    expect(throttle.trackedMailboxes()).toBe(1);
  });

  it('refuses the 5th concurrent request with MailboxConcurrency and Retry-After 1', () => {
    const held = [0, 1, 2, 3].map(() => next());
    expect(held.every((admission) => admission.admitted)).toBe(true);
    expect(next()).toEqual({ admitted: false, limit: 'concurrency', retryAfterSeconds: 1 });
    expect(next('other')).toMatchObject({ admitted: true });
    const first = held[0];
    if (first?.admitted) first.release();
    expect(next()).toMatchObject({ admitted: true });
  });

  it('starts from empty windows when the limits are replaced', () => {
    limits = { ...DEFAULT_THROTTLING_CONFIG.outlook, requestsPer10Minutes: 3 };
    send(3);
    expect(next()).toMatchObject({ admitted: false, retryAfterSeconds: 600 });
    limits = { ...limits };
    send(3);
  });
});
