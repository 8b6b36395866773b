import { EmulatorClock } from '../../core/emulator.clock';
import { DEFAULT_SEED_PERMISSIONS } from '../../seed/directory.seeder';
import { EmulatorFixture } from '../../testing/emulator.fixture';

type Row = Record<string, unknown>;

/** A Monday a week or two ahead: uploaded test certificates are valid from the real "now" on. */
function upcomingMonday(): string {
  const date = new Date();
  date.setUTCDate(date.getUTCDate() + 7 + ((8 - date.getUTCDay()) % 7));
  return date.toISOString().slice(0, 10);
}

const DAY = upcomingMonday();
const NOW = Date.parse(`${DAY}T09:00:00Z`);
const plusDays = (days: number): string => new Date(NOW + days * 86_400_000).toISOString().slice(0, 10);

describe('calendar events, calendarView and getSchedule', () => {
  let fixture: EmulatorFixture;
  let token: string;
  let upn: string;

  beforeAll(async () => {
    fixture = await EmulatorFixture.start({
      emulator: { clock: new EmulatorClock({ startAt: NOW, frozen: true }) },
      seed: {
        users: 25,
        eventsPerUser: 6,
        app: { permissions: [...DEFAULT_SEED_PERMISSIONS, 'Calendars.Read'] },
      },
    });
    token = await fixture.token();
    upn = fixture.seeded.sampleUserPrincipalNames[0] ?? '';
    const tenant = fixture.tenantId;
    const add = (
      subject: string,
      start: string,
      end: string,
      showAs: 'busy' | 'tentative' | 'oof' | 'free',
      isCancelled = false,
    ) =>
      fixture.emulator.control.addEvent({
        tenant,
        user: upn,
        event: { subject, start: `${DAY}T${start}:00Z`, end: `${DAY}T${end}:00Z`, showAs, isCancelled },
      });
    // Replace the seeded events of this mailbox with an exact day.
    const mailbox = fixture.emulator.control
      .tenant(tenant)
      .mailboxes.open(fixture.emulator.control.tenant(tenant).users.find(upn)!);
    for (const event of [...mailbox.allEvents()]) mailbox.deleteEvent(event.id);
    add('Customer call', '10:00', '11:00', 'busy');
    add('Maybe lunch', '11:00', '11:30', 'tentative');
    add('Dentist', '13:00', '15:00', 'oof');
    add('Cancelled review', '15:00', '16:00', 'busy', true);
    add('Focus', '16:00', '17:00', 'free');
  });

  afterAll(async () => {
    await fixture.close();
  });

  const graph = (
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ) => fixture.graph(path, { token, ...init });
  const schedule = (body: unknown, headers: Record<string, string> = {}) =>
    graph(`/users/${upn}/calendar/getSchedule`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const day = (from: string, to: string) => ({
    startTime: { dateTime: `${DAY}T${from}:00`, timeZone: 'UTC' },
    endTime: { dateTime: `${DAY}T${to}:00`, timeZone: 'UTC' },
  });

  it('requires startDateTime and endDateTime for calendarView and returns overlapping events', async () => {
    const missing = await graph(`/users/${upn}/calendarView`);
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({
      error: {
        code: 'ErrorInvalidParameter',
        message:
          'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
      },
    });
    const view = await graph(
      `/users/${upn}/calendarView?startDateTime=${DAY}T09:00:00Z&endDateTime=${DAY}T12:00:00Z`,
    );
    expect((view.json['value'] as Row[]).map((event) => event['subject'])).toEqual([
      'Customer call',
      'Maybe lunch',
    ]);
    expect((view.json['value'] as Row[])[0]).toMatchObject({
      showAs: 'busy',
      isAllDay: false,
      isCancelled: false,
      start: { dateTime: `${DAY}T10:00:00.0000000`, timeZone: 'UTC' },
      end: { dateTime: `${DAY}T11:00:00.0000000`, timeZone: 'UTC' },
    });
    const paged = await graph(
      `/users/${upn}/calendar/calendarView?startDateTime=${DAY}T00:00:00Z&endDateTime=${plusDays(1)}T00:00:00Z&$top=2`,
      { headers: { Prefer: 'outlook.timezone="Tokyo Standard Time"' } },
    );
    expect(paged.json['value']).toHaveLength(2);
    expect((paged.json['value'] as Row[])[0]?.['start']).toEqual({
      dateTime: `${DAY}T19:00:00.0000000`,
      timeZone: 'Tokyo Standard Time',
    });
    const rest = await graph(String(paged.json['@odata.nextLink']), {
      headers: { Prefer: 'outlook.timezone="Tokyo Standard Time"' },
    });
    expect((rest.json['value'] as Row[]).map((event) => event['subject'])).toEqual([
      'Dentist',
      'Cancelled review',
    ]);
    const all = await graph(`/users/${upn}/events?$top=10&$select=subject,isCancelled`);
    expect(all.json['value']).toHaveLength(5);
  });

  it('computes availabilityView and scheduleItems from the events (busy/tentative/oof, cancelled ignored)', async () => {
    const result = await schedule({
      schedules: [upn],
      ...day('09:00', '17:00'),
      availabilityViewInterval: 60,
    });
    expect(result.status).toBe(200);
    const info = (result.json['value'] as Row[])[0] ?? {};
    expect(info['availabilityView']).toBe('02103300');
    expect((info['scheduleItems'] as Row[]).map((item) => item['status'])).toEqual([
      'busy',
      'tentative',
      'oof',
      'free',
    ]);
    expect(info['workingHours']).toMatchObject({ startTime: '08:00:00.0000000', timeZone: { name: 'UTC' } });

    const tokyo = await schedule(
      {
        Schedules: [upn],
        StartTime: { dateTime: `${DAY}T19:00:00`, timeZone: 'Tokyo Standard Time' },
        EndTime: { dateTime: `${DAY}T21:00:00`, timeZone: 'Tokyo Standard Time' },
        availabilityViewInterval: '30',
      },
      { Prefer: 'outlook.timezone="Tokyo Standard Time"' },
    );
    const item = (tokyo.json['value'] as Row[])[0] ?? {};
    expect(item['availabilityView']).toBe('2210');
    expect((item['scheduleItems'] as Row[])[0]?.['start']).toEqual({
      dateTime: `${DAY}T19:00:00.0000000`,
      timeZone: 'Tokyo Standard Time',
    });

    const unknown = await schedule({
      schedules: ['ghost@contoso.onmicrosoft.com'],
      ...day('09:00', '10:00'),
    });
    expect((unknown.json['value'] as Row[])[0]).toMatchObject({
      scheduleId: 'ghost@contoso.onmicrosoft.com',
      error: { responseCode: '5009' },
    });
  });

  it('enforces the documented limits: 20 schedules, interval 5..1440, 62 days', async () => {
    const many = await schedule({
      schedules: Array.from({ length: 21 }, () => upn),
      ...day('09:00', '10:00'),
    });
    expect(many.status).toBe(400);
    expect(many.json).toMatchObject({ error: { code: 'ErrorMailboxDataArrayTooBig' } });
    const interval = await schedule({
      schedules: [upn],
      ...day('09:00', '10:00'),
      availabilityViewInterval: 4,
    });
    expect(interval.status).toBe(400);
    const tooLong = await schedule({
      schedules: [upn],
      startTime: { dateTime: `${DAY}T00:00:00`, timeZone: 'UTC' },
      endTime: { dateTime: `${plusDays(63)}T00:00:00`, timeZone: 'UTC' },
    });
    expect(tooLong.json).toMatchObject({
      error: {
        code: 'ErrorTimeIntervalTooBig',
        message: expect.stringContaining('The allowed limit = 62 days; the actual limit = 63 days.'),
      },
    });
    const window = (days: number, endTime = '00:00:00') =>
      schedule({
        schedules: [upn],
        startTime: { dateTime: `${DAY}T00:00:00`, timeZone: 'UTC' },
        endTime: { dateTime: `${plusDays(days)}T${endTime}`, timeZone: 'UTC' },
        availabilityViewInterval: 1440,
      });
    const exactly62 = await window(62);
    expect(exactly62.status).toBe(400);
    expect(exactly62.json).toMatchObject({ error: { code: 'ErrorTimeIntervalTooBig' } });
    expect((await window(61, '23:59:00')).status).toBe(200);
  });

  it('accepts Calendars.ReadBasic for getSchedule only, and seeds events around now', async () => {
    const control = fixture.emulator.control;
    control.revokePermissions({
      tenant: fixture.tenantId,
      clientId: fixture.clientId,
      permissions: ['Calendars.Read'],
    });
    control.grantPermissions({
      tenant: fixture.tenantId,
      clientId: fixture.clientId,
      permissions: ['Calendars.ReadBasic'],
    });
    const basic = await fixture.token();
    control.revokePermissions({
      tenant: fixture.tenantId,
      clientId: fixture.clientId,
      permissions: ['Calendars.ReadBasic'],
    });
    control.grantPermissions({
      tenant: fixture.tenantId,
      clientId: fixture.clientId,
      permissions: ['Calendars.Read'],
    });
    const body = JSON.stringify({ schedules: [upn], ...day('09:00', '10:00') });
    expect(
      (
        await fixture.graph(`/users/${upn}/calendar/getSchedule`, {
          token: basic,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        })
      ).status,
    ).toBe(200);
    const denied = await fixture.graph(`/users/${upn}/events`, { token: basic });
    expect(denied.status).toBe(403);
    expect(denied.json).toMatchObject({ error: { code: 'ErrorAccessDenied' } });

    const other = fixture.seeded.sampleUserPrincipalNames[1] ?? '';
    const around = await graph(
      `/users/${other}/calendarView?startDateTime=${plusDays(-1)}T09:00:00Z&endDateTime=${plusDays(1)}T09:00:00Z&$top=50`,
    );
    expect((around.json['value'] as Row[]).length).toBe(6);
  });
});
