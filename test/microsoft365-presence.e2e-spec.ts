import { randomUUID } from 'node:crypto';
import { type Clock, PBX_PRESENCE, type PbxPresencePort } from '@pbx/microsoft365';
import { UserPresenceStateEntity } from '@pbx/microsoft365/presence/user-presence-state.entity';
import { CalendarPresenceScheduler } from '@pbx/microsoft365/presence/calendar-presence.scheduler';
import {
  createAnotherInstance,
  createTestApp,
  type TenantWithAdmin,
  type TestApp,
} from '@pbx/test/support/create-test-app';
import { scrapeMetrics } from '@pbx/test/support/prometheus-scrape';
import {
  connectTenant,
  type EmulatedMicrosoft365,
  startEmulatedMicrosoft365,
} from '@pbx/test/support/microsoft365-test-env';

/** The module's clock: real time plus an offset the test moves; event times are set relative to it. */
class MovableClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advanceMinutes(minutes: number): void {
    this.offsetMs += minutes * 60_000;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const GET_SCHEDULE = 'POST /v1.0/users/{id}/calendar/getSchedule';

describe('Microsoft 365 calendar presence (emulator, real PostgreSQL, controllable clock)', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  let presence: PbxPresencePort;
  const clock = new MovableClock();
  let scenarios = 0;
  /** Every scenario's PBX tenant, so a test that counts Graph calls can switch the others off. */
  const tenants: { pbx: TenantWithAdmin; base: string }[] = [];

  beforeAll(async () => {
    m365 = await startEmulatedMicrosoft365({ users: 0, groupDepth: 0, departments: 0 });
    t = await createTestApp({
      listen: true,
      microsoft365: { ...m365.moduleOptions, clock, notifications: { debounceMs: 300, tickSeconds: 0 } },
    });
    presence = t.get<PbxPresencePort>(PBX_PRESENCE);
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
  });

  afterEach(() => {
    clock.offsetMs = 0;
  });

  async function scenario(names: string[], presenceSettings: Record<string, unknown> = {}) {
    scenarios++;
    const seeded = await m365.emulator.control.seed({
      seed: `presence-${scenarios}`,
      tenantId: randomUUID(),
      domain: `presence${scenarios}.onmicrosoft.com`,
      users: 0,
      departments: 0,
      groupDepth: 0,
      app: { permissions: ['User.Read.All', 'Calendars.Read'] },
    });
    const pbx: TenantWithAdmin = await t.createTenantWithAdmin();
    const base = await connectTenant(
      t,
      { ...m365, seeded: { ...seeded, clientId: seeded.clientId ?? '' } },
      pbx,
    );
    // Polling only, unless a test asks for notifications.
    await t.as(pbx.adminToken).patch(`${base}/notifications`).send({ enabled: false }).expect(200);
    const ids = new Map<string, string>();
    for (const name of names) {
      ids.set(
        name,
        m365.emulator.control.addUser({
          tenant: seeded.tenantId,
          user: {
            userPrincipalName: `${name}@${seeded.domain}`,
            displayName: `${name} Example`,
            givenName: name,
            surname: 'Example',
            mail: `${name}@${seeded.domain}`,
            department: name.startsWith('sales') ? 'Sales' : 'Support',
          },
        }).id,
      );
    }
    const started = await t.as(pbx.adminToken).post(`${base}/user-sync/runs`).send({}).expect(202);
    for (let i = 0; i < 200; i++) {
      const run = await t
        .as(pbx.adminToken)
        .get(`${base}/user-sync/runs/${(started.body as { id: string }).id}`);
      if ((run.body as { status: string }).status !== 'RUNNING') break;
      await sleep(50);
    }
    await t
      .as(pbx.adminToken)
      .patch(`${base}/presence/settings`)
      .send({ enabled: true, mapping: { busy: 'IN_A_MEETING', oof: 'OUT_OF_OFFICE' }, ...presenceSettings })
      .expect(200);
    tenants.push({ pbx, base });
    return {
      pbx,
      base,
      directoryId: seeded.tenantId,
      objectId: (name: string) => ids.get(name) ?? '',
      pbxUserId: async (name: string) => {
        const page = await t
          .as(pbx.adminToken)
          .get(`/api/tenants/${pbx.tenant.id}/users?limit=200`)
          .expect(200);
        const users = (page.body as { items: { id: string; email: string | null }[] }).items;
        return users.find((u) => u.email?.startsWith(`${name}@`))?.id ?? '';
      },
      event: (name: string, showAs: string, fromMinutes: number, toMinutes: number) =>
        m365.emulator.control.addEvent({
          tenant: seeded.tenantId,
          user: ids.get(name) ?? '',
          event: {
            subject: `${showAs} ${fromMinutes}`,
            start: new Date(clock.now().getTime() + fromMinutes * 60_000).toISOString(),
            end: new Date(clock.now().getTime() + toMinutes * 60_000).toISOString(),
            showAs: showAs as 'busy',
          },
        }),
    };
  }

  type Scenario = Awaited<ReturnType<typeof scenario>>;

  const refresh = async (s: Scenario) =>
    (await t.as(s.pbx.adminToken).post(`${s.base}/presence/refresh`).expect(200)).body as {
      users: number;
      changed: number;
    };
  const statusOf = async (s: Scenario, userId: string) =>
    (await presence.getStatuses(s.pbx.tenant.id, [userId])).get(userId)?.status;

  it('validates the settings against the statuses the PBX offers, and keeps tenants apart', async () => {
    const s = await scenario(['alice']);
    const bad = await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/presence/settings`)
      .send({ mapping: { busy: 'IN_A_MEETNG' }, pollIntervalSeconds: 5 })
      .expect(400);
    expect((bad.body as { errors: { field: string }[] }).errors.map((e) => e.field).sort()).toEqual([
      'pollIntervalSeconds',
    ]);
    const typo = await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/presence/settings`)
      .send({ mapping: { busy: 'IN_A_MEETNG' } })
      .expect(400);
    expect(typo.body).toMatchObject({ errors: [{ field: 'mapping.busy' }] });
    const view = await t.as(s.pbx.adminToken).get(`${s.base}/presence/settings`).expect(200);
    expect(view.body).toMatchObject({
      enabled: true,
      mapping: { busy: 'IN_A_MEETING', oof: 'OUT_OF_OFFICE' },
      availableStatuses: expect.arrayContaining(['IN_A_MEETING', 'AVAILABLE']),
    });
    const other = await scenario([]);
    await t.as(other.pbx.adminToken).get(`${s.base}/presence/settings`).expect(403);
    await t
      .as(other.pbx.adminToken)
      .patch(`${s.base}/presence/settings`)
      .send({ enabled: false })
      .expect(403);
  });

  it('sets the mapped status when a meeting starts and restores the previous one when it ends', async () => {
    const s = await scenario(['alice']);
    const alice = await s.pbxUserId('alice');
    await presence.setStatus(s.pbx.tenant.id, alice, 'LUNCH');
    s.event('alice', 'busy', 10, 40);

    await refresh(s);
    expect(await statusOf(s, alice)).toBe('LUNCH');
    clock.advanceMinutes(11);
    expect(await refresh(s)).toMatchObject({ users: 1, changed: 1 });
    expect(await statusOf(s, alice)).toBe('IN_A_MEETING');
    // What to restore survives a restart: it is in the database.
    const stored = await t.orm.em.fork().findOne(UserPresenceStateEntity, { pbxTenantId: s.pbx.tenant.id });
    expect(stored).toMatchObject({ applied: 'IN_A_MEETING', restore: 'LUNCH' });

    clock.advanceMinutes(10);
    await refresh(s);
    expect(await statusOf(s, alice)).toBe('IN_A_MEETING');
    clock.advanceMinutes(20);
    await refresh(s);
    expect(await statusOf(s, alice)).toBe('LUNCH');
    expect(await t.orm.em.fork().count(UserPresenceStateEntity, { pbxTenantId: s.pbx.tenant.id })).toBe(0);
  });

  it("maps without configuration: a meeting shows the PBX's busy status, out of office shows away", async () => {
    const s = await scenario(['carol', 'dave'], { mapping: {} });
    const view = await t.as(s.pbx.adminToken).get(`${s.base}/presence/settings`).expect(200);
    expect(view.body).toMatchObject({
      mappingIsDefault: true,
      mapping: { busy: 'IN_A_MEETING', oof: 'AWAY' },
    });
    const carol = await s.pbxUserId('carol');
    const dave = await s.pbxUserId('dave');
    s.event('carol', 'busy', -5, 30);
    s.event('dave', 'oof', -5, 30);
    expect(await refresh(s)).toMatchObject({ users: 2, changed: 2 });
    expect(await statusOf(s, carol)).toBe('IN_A_MEETING');
    expect(await statusOf(s, dave)).toBe('AWAY');
  });

  it('leaves a status the user changed by hand during the meeting, also when it ends', async () => {
    const s = await scenario(['bob']);
    const bob = await s.pbxUserId('bob');
    s.event('bob', 'busy', -5, 30);
    await refresh(s);
    expect(await statusOf(s, bob)).toBe('IN_A_MEETING');
    await presence.setStatus(s.pbx.tenant.id, bob, 'AWAY');
    clock.advanceMinutes(5);
    await refresh(s);
    expect(await statusOf(s, bob)).toBe('AWAY');
    clock.advanceMinutes(30);
    await refresh(s);
    expect(await statusOf(s, bob)).toBe('AWAY');
  });

  it('handles overlapping events: the stronger state wins, the status from before is restored at the end', async () => {
    const s = await scenario(['carol']);
    const carol = await s.pbxUserId('carol');
    s.event('carol', 'busy', -1, 60);
    s.event('carol', 'oof', 20, 30);
    s.event('carol', 'tentative', 0, 90);
    await refresh(s);
    expect(await statusOf(s, carol)).toBe('IN_A_MEETING');
    clock.advanceMinutes(21);
    await refresh(s);
    expect(await statusOf(s, carol)).toBe('OUT_OF_OFFICE');
    clock.advanceMinutes(10);
    await refresh(s);
    expect(await statusOf(s, carol)).toBe('IN_A_MEETING');
    // Tentative is not mapped: it changes nothing, and the original status comes back.
    clock.advanceMinutes(30);
    await refresh(s);
    expect(await statusOf(s, carol)).toBe('AVAILABLE');
  });

  it('reads 20 calendars per getSchedule call, only for users in scope, on the poll interval', async () => {
    const names = Array.from({ length: 22 }, (_, i) => `sales${i}`);
    const s = await scenario([...names, 'outsider'], { departments: ['Sales'], pollIntervalSeconds: 60 });
    const outsider = await s.pbxUserId('outsider');
    s.event('outsider', 'busy', -5, 30);
    s.event('sales3', 'oof', -5, 30);
    m365.emulator.control.resetCounters();
    const before = await scrapeMetrics(t);
    expect(await refresh(s)).toMatchObject({ users: 22, changed: 1 });
    expect(m365.emulator.control.getCounters().byRoute[GET_SCHEDULE]).toEqual({ '200': 2 });
    // The pass in the metrics: its two getSchedule requests, its duration, what it read and changed.
    const after = await scrapeMetrics(t);
    const presence = { feature: 'calendar-presence' };
    const delta = (name: string, labels: Record<string, string>) => after.since(before, name, labels);
    expect(delta('microsoft365_graph_requests_total', { ...presence, status: '200' })).toBe(2);
    expect(
      delta('microsoft365_run_duration_count', { ...presence, outcome: 'succeeded', mode: 'full' }),
    ).toBe(1);
    expect(delta('microsoft365_run_items_total', { ...presence, outcome: 'read' })).toBe(22);
    expect(delta('microsoft365_run_items_total', { ...presence, outcome: 'changed' })).toBe(1);
    expect(await statusOf(s, await s.pbxUserId('sales3'))).toBe('OUT_OF_OFFICE');
    expect(await statusOf(s, outsider)).toBe('AVAILABLE');

    // The scheduler polls a tenant only once its interval has passed on the module's clock.
    const polledAt = async () =>
      (
        (await t.as(s.pbx.adminToken).get(`${s.base}/presence/settings`).expect(200)).body as {
          lastPolledAt: string;
        }
      ).lastPolledAt;
    const scheduler = t.get(CalendarPresenceScheduler);
    const first = await polledAt();
    await scheduler.tick();
    expect(await polledAt()).toBe(first);
    clock.advanceMinutes(2);
    await scheduler.tick();
    expect(Date.parse(await polledAt())).toBeGreaterThan(Date.parse(first));
  });

  it('subscribes to the calendars in scope and reacts to an event notification without waiting for the poll', async () => {
    const s = await scenario(['dave']);
    const dave = await s.pbxUserId('dave');
    const view = await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/notifications`)
      .send({ enabled: true })
      .expect(200);
    expect(view.body).toMatchObject({ mode: 'polling' });
    const reconciled = await t.as(s.pbx.adminToken).post(`${s.base}/notifications/reconcile`).expect(200);
    expect(
      (reconciled.body as { subscriptions: { resource: string }[] }).subscriptions.map((x) => x.resource),
    ).toEqual(['users', `users/${s.objectId('dave')}/events`]);
    s.event('dave', 'busy', -1, 30);
    await m365.emulator.control.flushNotifications({});
    for (let i = 0; i < 50 && (await statusOf(s, dave)) !== 'IN_A_MEETING'; i++) await sleep(100);
    expect(await statusOf(s, dave)).toBe('IN_A_MEETING');

    // Outlook removed the subscription: it is recreated, and the calendars are read again (changes may be lost).
    const events = () =>
      m365.emulator.control
        .listSubscriptions({ tenant: s.directoryId })
        .find((x) => x.resource === `users/${s.objectId('dave')}/events`);
    const removed = events();
    await presence.setStatus(s.pbx.tenant.id, dave, 'IN_A_MEETING');
    await m365.emulator.control.triggerLifecycleNotification({
      subscriptionId: removed?.id ?? '',
      lifecycleEvent: 'subscriptionRemoved',
    });
    for (let i = 0; i < 50 && (events()?.id ?? removed?.id) === removed?.id; i++) await sleep(100);
    expect(events()?.id).toBeDefined();
    expect(events()?.id).not.toBe(removed?.id);

    // missed: nothing to recreate, but the calendars are read again at once (here the meeting has ended).
    const missed = events();
    clock.advanceMinutes(31);
    await m365.emulator.control.triggerLifecycleNotification({
      subscriptionId: missed?.id ?? '',
      lifecycleEvent: 'missed',
    });
    for (let i = 0; i < 50 && (await statusOf(s, dave)) !== 'AVAILABLE'; i++) await sleep(100);
    expect(await statusOf(s, dave)).toBe('AVAILABLE');
  });

  it('reads only the notified calendar, skips watched calendars on the poll, and follows known event boundaries', async () => {
    // The emulator counts requests of all tenants: the earlier scenarios' calendars stay out of the count.
    for (const other of tenants) {
      await t
        .as(other.pbx.adminToken)
        .patch(`${other.base}/presence/settings`)
        .send({ enabled: false })
        .expect(200);
    }
    const s = await scenario(['gina', 'hank', 'ivy']);
    const [gina, hank, ivy] = [
      await s.pbxUserId('gina'),
      await s.pbxUserId('hank'),
      await s.pbxUserId('ivy'),
    ];
    // Ivy's meeting is on before any subscription exists: nothing will notify it.
    s.event('ivy', 'busy', -5, 11.5);
    await t.as(s.pbx.adminToken).patch(`${s.base}/notifications`).send({ enabled: true }).expect(200);
    const reconciled = await t.as(s.pbx.adminToken).post(`${s.base}/notifications/reconcile`).expect(200);
    expect((reconciled.body as { subscriptions: { kind: string }[] }).subscriptions).toHaveLength(4);
    const control = m365.emulator.control;
    const calls = () => control.getCounters().byRoute[GET_SCHEDULE]?.['200'] ?? 0;
    control.resetCounters();

    // A notification for Gina's calendar: one getSchedule call, for her alone (Ivy's meeting is not seen).
    s.event('gina', 'busy', -1, 30);
    await control.flushNotifications({});
    for (let i = 0; i < 50 && (await statusOf(s, gina)) !== 'IN_A_MEETING'; i++) await sleep(100);
    expect(await statusOf(s, gina)).toBe('IN_A_MEETING');
    await sleep(500);
    expect(calls()).toBe(1);
    expect(await statusOf(s, ivy)).toBe('AVAILABLE');

    // The first tick of this instance reads every calendar once (nothing is known yet): one call for three users.
    const scheduler = t.get(CalendarPresenceScheduler);
    await scheduler.tick();
    expect(calls()).toBe(2);
    expect(await statusOf(s, ivy)).toBe('IN_A_MEETING');

    // The tick runs once per period on whichever instance takes it: a second instance, which read nothing itself,
    // knows what the first read (the boundaries are in the database).
    const other = await createAnotherInstance(t, {
      microsoft365: { ...m365.moduleOptions, clock, notifications: { debounceMs: 300, tickSeconds: 0 } },
    });
    try {
      const elsewhere = other.get(CalendarPresenceScheduler);
      // Every calendar is watched and known: the poll interval passes without a getSchedule call.
      clock.advanceMinutes(2);
      await elsewhere.tick();
      clock.advanceMinutes(9);
      await elsewhere.tick();
      expect(calls()).toBe(2);
      expect(await statusOf(s, ivy)).toBe('IN_A_MEETING');

      // Ivy's meeting ends between two polls: the next tick after the boundary reads her calendar, and hers only.
      clock.offsetMs += 40_000;
      await elsewhere.tick();
      expect(calls()).toBe(3);
      expect(await statusOf(s, ivy)).toBe('AVAILABLE');
      expect(await statusOf(s, gina)).toBe('IN_A_MEETING');
      expect(await statusOf(s, hank)).toBe('AVAILABLE');
    } finally {
      await other.close();
    }

    // The slow safety poll reads every calendar again, in case Microsoft stopped notifying without a word.
    clock.advanceMinutes(4);
    await scheduler.tick();
    expect(calls()).toBe(4);
  });
});
