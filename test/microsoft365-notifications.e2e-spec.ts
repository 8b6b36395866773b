import { randomUUID } from 'node:crypto';
import { MAILBOX_SEED_PERMISSIONS } from '@pbx/m365-emulator';
import { type Clock } from '@pbx/microsoft365';
import { GRAPH_RESILIENCE_SETTINGS } from '@pbx/microsoft365/graph/graph-client.provider';
import { defaultResilienceSettings } from '@pbx/microsoft365/graph/resilience.middleware';
import { NotificationsScheduler } from '@pbx/microsoft365/notifications/notifications.scheduler';
import {
  type ContactBody,
  createTestApp,
  type TenantWithAdmin,
  type TestApp,
} from '@pbx/test/support/create-test-app';
import {
  connectTenant,
  type EmulatedMicrosoft365,
  startEmulatedMicrosoft365,
} from '@pbx/test/support/microsoft365-test-env';
import { scrapeMetrics } from '@pbx/test/support/prometheus-scrape';

/** The module's clock: real time plus an offset the test moves (the emulator's clock stays real). */
class MovableClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advanceMinutes(minutes: number): void {
    this.offsetMs += minutes * 60_000;
  }
}

interface StatusBody {
  mode: string;
  reason: string | null;
  notificationUrl: string | null;
  failingSince: string | null;
  subscriptions: {
    subscriptionId: string;
    kind: string;
    resource: string;
    expiresAt: string;
    lastLifecycleEvent: string | null;
  }[];
}

interface RunBody {
  id: string;
  trigger: string;
  status: string;
  startedAt: string;
  counts: Record<string, number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Microsoft 365 change notifications (emulator calls the PBX back over HTTP)', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  const clock = new MovableClock();
  let scenarios = 0;

  beforeAll(async () => {
    m365 = await startEmulatedMicrosoft365({ users: 0, groupDepth: 0, departments: 0 });
    t = await createTestApp({
      listen: true,
      microsoft365: {
        ...m365.moduleOptions,
        clock,
        notifications: {
          debounceMs: 1_000,
          tickSeconds: 0,
          maxSubscriptionLifetimeMinutes: 30,
          quietPeriodMinutes: 10,
        },
      },
      override: (builder) =>
        builder
          .overrideProvider(GRAPH_RESILIENCE_SETTINGS)
          .useValue({ ...defaultResilienceSettings(), maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 200 }),
    });
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
  });

  afterEach(() => {
    clock.offsetMs = 0;
    m365.emulator.control.setFaults({ errorRate: 0, routePattern: undefined });
  });

  async function scenario(options: { contacts?: boolean } = {}) {
    scenarios++;
    const seeded = await m365.emulator.control.seed({
      seed: `notifications-${scenarios}`,
      tenantId: randomUUID(),
      domain: `notify${scenarios}.onmicrosoft.com`,
      users: 0,
      departments: 0,
      groupDepth: 0,
      app: {
        permissions: [
          'User.Read.All',
          'GroupMember.Read.All',
          ...(options.contacts ? MAILBOX_SEED_PERMISSIONS : []),
        ],
      },
    });
    const pbx: TenantWithAdmin = await t.createTenantWithAdmin();
    const base = await connectTenant(
      t,
      { ...m365, seeded: { ...seeded, clientId: seeded.clientId ?? '' } },
      pbx,
      options.contacts ? { settings: { features: { personalContacts: true, sharedMailboxes: true } } } : {},
    );
    const add = (name: string) =>
      m365.emulator.control.addUser({
        tenant: seeded.tenantId,
        user: {
          userPrincipalName: `${name}@${seeded.domain}`,
          displayName: `${name} Example`,
          givenName: name,
          surname: 'Example',
          mail: `${name}@${seeded.domain}`,
        },
      }).id;
    return { pbx, base, directoryId: seeded.tenantId, domain: seeded.domain, add };
  }

  type Scenario = Awaited<ReturnType<typeof scenario>>;

  const status = async (s: Scenario) =>
    (await t.as(s.pbx.adminToken).get(`${s.base}/notifications`).expect(200)).body as StatusBody;
  const reconcile = async (s: Scenario) =>
    (await t.as(s.pbx.adminToken).post(`${s.base}/notifications/reconcile`).expect(200)).body as StatusBody;
  const runs = async (s: Scenario) =>
    (await t.as(s.pbx.adminToken).get(`${s.base}/user-sync/runs`).expect(200)).body as RunBody[];

  async function settle(s: Scenario, predicate: (all: RunBody[]) => boolean): Promise<RunBody[]> {
    for (let i = 0; i < 150; i++) {
      const all = await runs(s);
      if (all.every((r) => r.status !== 'RUNNING') && predicate(all)) return all;
      await sleep(100);
    }
    throw new Error(`runs did not settle: ${JSON.stringify(await runs(s))}`);
  }

  async function firstRun(s: Scenario): Promise<void> {
    await t.as(s.pbx.adminToken).post(`${s.base}/user-sync/runs`).send({}).expect(202);
    await settle(s, (all) => all.length === 1);
  }

  it('answers the validation handshake as text/plain with the decoded token', async () => {
    const token = 'Validation: Testing client application reachability for subscription Request-Id: 1 2';
    const response = await t
      .http()
      .post(`/api/microsoft365/notifications?validationToken=${encodeURIComponent(token)}`)
      .set('Content-Type', 'text/plain; charset=utf-8')
      .send('')
      .expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.text).toBe(token);
    const lifecycle = await t
      .http()
      .post(`/api/microsoft365/notifications/lifecycle?validationToken=abc`)
      .send('')
      .expect(200);
    expect(lifecycle.text).toBe('abc');
  });

  it('creates a users subscription (handshake passed), refuses unknown subscriptions and a wrong clientState', async () => {
    const s = await scenario();
    const view = await reconcile(s);
    expect(view.subscriptions).toEqual([expect.objectContaining({ kind: 'USERS', resource: 'users' })]);
    expect(view.mode).toBe('notifications');
    const [sub] = m365.emulator.control.listSubscriptions({ tenant: s.directoryId });
    expect(sub).toMatchObject({
      resource: 'users',
      notificationUrl: `${t.baseUrl}/api/microsoft365/notifications`,
    });
    expect(sub?.id).toBe(view.subscriptions[0]?.subscriptionId);

    const forged = (subscriptionId: string, clientState: string) => ({
      value: [{ subscriptionId, clientState, changeType: 'updated', resource: 'Users/x' }],
    });
    await t
      .http()
      .post('/api/microsoft365/notifications')
      .send(forged(sub?.id ?? '', 'wrong'))
      .expect(403);
    await t
      .http()
      .post('/api/microsoft365/notifications')
      .send(forged(randomUUID(), sub?.clientState ?? ''))
      .expect(403);
    await t.http().post('/api/microsoft365/notifications').send({ nonsense: true }).expect(403);
    await sleep(1_500);
    expect(await runs(s)).toEqual([]);
    // The emulator's copy of the secret works: the stored hash matches it.
    await t
      .http()
      .post('/api/microsoft365/notifications')
      .send(forged(sub?.id ?? '', sub?.clientState ?? ''))
      .expect(202);
  });

  it('debounces many notifications into one incremental run that applies the changes', async () => {
    const s = await scenario();
    s.add('first');
    await firstRun(s);
    await reconcile(s);
    for (let i = 0; i < 8; i++) s.add(`burst${i}`);
    await m365.emulator.control.flushNotifications({});
    const all = await settle(s, (list) => list.length === 2);
    await sleep(1_500);
    const after = await runs(s);
    expect(after).toHaveLength(2);
    expect(after[0]).toMatchObject({ trigger: 'NOTIFICATION', status: 'SUCCEEDED', counts: { created: 8 } });
    expect(all[0]?.id).toBe(after[0]?.id);
    expect((await status(s)).subscriptions[0]).toBeDefined();
  });

  it('renews before expiry and replaces an expired subscription (with a catch-up run)', async () => {
    const s = await scenario();
    await firstRun(s);
    const created = (await reconcile(s)).subscriptions[0];
    clock.advanceMinutes(21);
    const renewed = (await reconcile(s)).subscriptions[0];
    expect(renewed?.subscriptionId).toBe(created?.subscriptionId);
    expect(Date.parse(renewed?.expiresAt ?? '')).toBeGreaterThan(Date.parse(created?.expiresAt ?? ''));
    const atEmulator = m365.emulator.control.listSubscriptions({ tenant: s.directoryId });
    expect(Date.parse(atEmulator[0]?.expirationDateTime ?? '')).toBe(Date.parse(renewed?.expiresAt ?? ''));

    clock.advanceMinutes(60);
    const replaced = (await reconcile(s)).subscriptions[0];
    expect(replaced?.subscriptionId).not.toBe(created?.subscriptionId);
    expect(m365.emulator.control.listSubscriptions({ tenant: s.directoryId }).map((x) => x.id)).toEqual([
      replaced?.subscriptionId,
    ]);
    const all = await settle(s, (list) => list.length === 2);
    expect(all[0]).toMatchObject({ trigger: 'NOTIFICATION' });
  });

  it('renews on reauthorizationRequired', async () => {
    const s = await scenario();
    await firstRun(s);
    const created = (await reconcile(s)).subscriptions[0];
    clock.advanceMinutes(5);
    await m365.emulator.control.triggerLifecycleNotification({
      subscriptionId: created?.subscriptionId ?? '',
      lifecycleEvent: 'reauthorizationRequired',
    });
    for (let i = 0; i < 50; i++) {
      const now = (await status(s)).subscriptions[0];
      if (now?.lastLifecycleEvent === 'reauthorizationRequired' && now.expiresAt !== created?.expiresAt)
        break;
      await sleep(100);
    }
    const after = (await status(s)).subscriptions[0];
    expect(after).toMatchObject({
      subscriptionId: created?.subscriptionId,
      lastLifecycleEvent: 'reauthorizationRequired',
    });
    expect(Date.parse(after?.expiresAt ?? '')).toBeGreaterThan(Date.parse(created?.expiresAt ?? ''));
  });

  it('falls back to incremental runs at the interval while subscriptions fail, and stops once they work again', async () => {
    const s = await scenario();
    await firstRun(s);
    await reconcile(s);
    await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/notifications`)
      .send({ fallbackIntervalMinutes: 5 })
      .expect(200);
    const scheduler = t.get(NotificationsScheduler);
    await scheduler.fallback();
    expect(await runs(s)).toHaveLength(1);

    // Microsoft stops answering for subscriptions: renewal fails, the tenant polls.
    m365.emulator.control.setFaults({ errorRate: 1, errorStatuses: [503], routePattern: 'subscriptions' });
    clock.advanceMinutes(21);
    const failing = await reconcile(s);
    expect(failing).toMatchObject({ mode: 'polling', failingSince: expect.any(String) });
    m365.emulator.control.setFaults({ errorRate: 0, routePattern: undefined });
    await scheduler.fallback();
    let all = await settle(s, (list) => list.length === 2);
    expect(all[0]).toMatchObject({ trigger: 'SCHEDULE' });
    clock.advanceMinutes(2);
    await scheduler.fallback();
    expect(await runs(s)).toHaveLength(2);
    clock.advanceMinutes(4);
    await scheduler.fallback();
    all = await settle(s, (list) => list.length === 3);

    // Microsoft is back: the subscription is renewed and the polling stops.
    expect((await reconcile(s)).mode).toBe('notifications');
    clock.advanceMinutes(6);
    await scheduler.fallback();
    expect(await runs(s)).toHaveLength(3);
  });

  it('polls without a reachable public URL, and keeps tenants apart', async () => {
    const s = await scenario();
    const other = await scenario();
    await t.as(other.pbx.adminToken).get(`${s.base}/notifications`).expect(403);
    await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/notifications`)
      .send({ fallbackIntervalMinutes: 0 })
      .expect(400);
    const off = await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/notifications`)
      .send({ enabled: false })
      .expect(200);
    expect(off.body).toMatchObject({ mode: 'polling', reason: 'Change notifications are switched off' });
    expect((await reconcile(s)).subscriptions).toEqual([]);
    // Polling keeps a sync going; it never starts the first one, which is the admin's decision.
    await t.get(NotificationsScheduler).fallback();
    expect(await runs(s)).toEqual([]);
    await firstRun(s);
    clock.advanceMinutes(6);
    await t.get(NotificationsScheduler).fallback();
    const all = await settle(s, (list) => list.length === 2);
    expect(all[0]).toMatchObject({ trigger: 'SCHEDULE', status: 'SUCCEEDED' });
  });

  it('runs the first of separate notification posts at once and folds the rest of the burst into one more run', async () => {
    const s = await scenario();
    s.add('first');
    await firstRun(s);
    // Changes made before the subscription exists are not notified: the hand-made posts below are the only wake-up.
    for (let i = 0; i < 3; i++) s.add(`unnotified${i}`);
    const before = await scrapeMetrics(t);
    await reconcile(s);
    const [sub] = m365.emulator.control.listSubscriptions({ tenant: s.directoryId });
    // What Graph sends when it delivers changes one by one: a changeNotificationCollection per post.
    const post = () =>
      t
        .http()
        .post('/api/microsoft365/notifications')
        .send({
          value: [
            {
              id: randomUUID(),
              subscriptionId: sub?.id,
              subscriptionExpirationDateTime: sub?.expirationDateTime,
              clientState: sub?.clientState,
              changeType: 'updated',
              resource: `Users/${randomUUID()}`,
              tenantId: s.directoryId,
              resourceData: { '@odata.type': '#Microsoft.Graph.User', id: randomUUID() },
            },
          ],
        })
        .expect(202);
    const firstPost = Date.now();
    for (let i = 0; i < 5; i++) {
      await post();
      await sleep(100);
    }
    await settle(s, (list) => list.length >= 2);
    // Well past the window: the five posts cost at most two runs, the first post's at once (leading edge) and one at
    // the window's end for the rest (trailing edge; none when the first run had not started before they came).
    await sleep(1_500);
    const notified = (await runs(s)).filter((run) => run.trigger === 'NOTIFICATION');
    expect(notified.length).toBeGreaterThanOrEqual(1);
    expect(notified.length).toBeLessThanOrEqual(2);
    const leading = notified[notified.length - 1];
    expect(leading).toMatchObject({ status: 'SUCCEEDED', counts: { created: 3 } });
    // The leading run did not wait for the 1 s window.
    expect(Date.parse(leading?.startedAt ?? '') - firstPost).toBeLessThan(900);
    const after = await scrapeMetrics(t);
    const subscribing = { feature: 'notifications', status: '201' };
    expect(after.since(before, 'microsoft365_graph_requests_total', subscribing)).toBe(1);
    const lag = (name: string) => after.since(before, name, { feature: 'user-sync' });
    expect(lag('microsoft365_notification_lag_count')).toBe(notified.length);
    expect(lag('microsoft365_notification_lag_sum')).toBeLessThan(5);
  });

  it('also polls when no notification arrived for the quiet period although the subscriptions look healthy', async () => {
    const s = await scenario();
    await firstRun(s);
    await reconcile(s);
    const scheduler = t.get(NotificationsScheduler);
    clock.advanceMinutes(9);
    await scheduler.fallback();
    expect(await runs(s)).toHaveLength(1);
    expect((await status(s)).mode).toBe('notifications');

    // Graph went silent without an error: after 10 quiet minutes the fallback polls, at its interval.
    clock.advanceMinutes(2);
    expect(await status(s)).toMatchObject({
      mode: 'polling',
      reason: expect.stringContaining('No change notification for more than 10 minutes') as unknown,
    });
    await scheduler.fallback();
    let all = await settle(s, (list) => list.length === 2);
    expect(all[0]).toMatchObject({ trigger: 'SCHEDULE', status: 'SUCCEEDED' });
    clock.advanceMinutes(2);
    await scheduler.fallback();
    expect(await runs(s)).toHaveLength(2);
    clock.advanceMinutes(4);
    await scheduler.fallback();
    all = await settle(s, (list) => list.length === 3);
    expect(all[0]).toMatchObject({ trigger: 'SCHEDULE' });

    // A notification arrives: the silence is over and the polling stops.
    s.add('late');
    await m365.emulator.control.flushNotifications({});
    all = await settle(s, (list) => list.length === 4);
    expect(all[0]).toMatchObject({ trigger: 'NOTIFICATION', counts: { created: 1 } });
    expect((await status(s)).mode).toBe('notifications');
    clock.advanceMinutes(6);
    await scheduler.fallback();
    expect(await runs(s)).toHaveLength(4);
  });

  describe('contacts', () => {
    const contactRuns = async (s: Scenario) =>
      (await t.as(s.pbx.adminToken).get(`${s.base}/contact-sync/runs`).expect(200)).body as RunBody[];
    /** The mailboxes a run synced (its plan is in the detail view only). */
    const owners = async (s: Scenario, run: RunBody | undefined) =>
      (
        (
          await t
            .as(s.pbx.adminToken)
            .get(`${s.base}/contact-sync/runs/${run?.id ?? ''}`)
            .expect(200)
        ).body as { plan: { owner: string }[] | null }
      ).plan?.map((p) => p.owner);

    async function contactRun(s: Scenario): Promise<void> {
      const before = (await contactRuns(s)).length;
      await t.as(s.pbx.adminToken).post(`${s.base}/contact-sync/runs`).send({}).expect(202);
      await settleContacts(s, (all) => all.length === before + 1);
    }

    async function settleContacts(s: Scenario, predicate: (all: RunBody[]) => boolean) {
      for (let i = 0; i < 150; i++) {
        const all = await contactRuns(s);
        if (all.every((r) => r.status !== 'RUNNING') && predicate(all)) return all;
        await sleep(100);
      }
      throw new Error(`contact runs did not settle: ${JSON.stringify(await contactRuns(s))}`);
    }

    async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
      for (let i = 0; i < 100; i++) {
        const value = await read();
        if (done(value)) return value;
        await sleep(100);
      }
      return read();
    }

    const names = (list: ContactBody[]) => list.map((c) => c.displayName).sort();

    it('without notifications, the fallback polls the mailboxes too once a first contact run was made', async () => {
      const s = await scenario({ contacts: true });
      const alice = s.add('alice');
      m365.emulator.control.addContact({
        tenant: s.directoryId,
        user: alice,
        contact: { displayName: 'First' },
      });
      await t
        .as(s.pbx.adminToken)
        .patch(`${s.base}/notifications`)
        .send({ enabled: false, fallbackIntervalMinutes: 5 })
        .expect(200);
      await firstRun(s);
      const scheduler = t.get(NotificationsScheduler);
      // Like the user sync's, the contact sync's first run is the admin's: the fallback only keeps it going.
      clock.advanceMinutes(6);
      await scheduler.fallback();
      await settle(s, (list) => list.length === 2);
      expect(await contactRuns(s)).toEqual([]);

      await contactRun(s);
      m365.emulator.control.addContact({
        tenant: s.directoryId,
        user: alice,
        contact: { displayName: 'Second' },
      });
      clock.advanceMinutes(6);
      await scheduler.fallback();
      const all = await settleContacts(s, (list) => list.length === 2);
      expect(all[0]).toMatchObject({
        trigger: 'SCHEDULE',
        mode: 'INCREMENTAL',
        status: 'SUCCEEDED',
        counts: { 'contacts.upserted': 1 },
      });
    });

    it('does not poll the mailboxes when only the quiet period asks for polling: their subscriptions carry the changes', async () => {
      const s = await scenario({ contacts: true });
      const alice = s.add('alice');
      m365.emulator.control.addContact({
        tenant: s.directoryId,
        user: alice,
        contact: { displayName: 'First' },
      });
      await firstRun(s);
      await contactRun(s);
      const view = await reconcile(s);
      expect(view.subscriptions.map((x) => x.kind)).toContain('CONTACTS');
      // Nothing notified for longer than the quiet period: the user sync polls, in case Graph stopped delivering.
      clock.advanceMinutes(11);
      await t.get(NotificationsScheduler).fallback();
      await settle(s, (list) => list.length === 2);
      await sleep(1_000);
      expect(await contactRuns(s)).toHaveLength(1);
    });

    it('subscribes per synced mailbox; a contact added or edited reaches the PBX within seconds, one mailbox per run', async () => {
      const s = await scenario({ contacts: true });
      const control = m365.emulator.control;
      const alice = s.add('alice');
      const bob = s.add('bob');
      const reception = control.createSharedMailbox({
        tenant: s.directoryId,
        userPrincipalName: `reception@${s.domain}`,
      });
      control.addContact({ tenant: s.directoryId, user: alice, contact: { displayName: 'Alice Friend' } });
      control.addContact({ tenant: s.directoryId, user: bob, contact: { displayName: 'Bob Friend' } });
      const plumber = control.addContact({
        tenant: s.directoryId,
        user: reception.id,
        contact: { displayName: 'Plumber Paul' },
      });
      await t
        .as(s.pbx.adminToken)
        .patch(`${s.base}/contact-sync/settings`)
        .send({ sharedMailboxes: [`reception@${s.domain}`] })
        .expect(200);
      await firstRun(s);
      await contactRun(s);
      const links = (await t.as(s.pbx.adminToken).get(`${s.base}/user-sync/links?limit=50`).expect(200))
        .body as { objectId: string; pbxUserId: string }[];
      const aliceUser = links.find((l) => l.objectId === alice)?.pbxUserId ?? '';
      const personal = async () =>
        (
          (
            await t
              .as(s.pbx.adminToken)
              .get(`/api/tenants/${s.pbx.tenant.id}/users/${aliceUser}/contacts?limit=50`)
              .expect(200)
          ).body as { items: ContactBody[] }
        ).items;
      const company = async () =>
        (
          (await t.as(s.pbx.adminToken).get(`/api/tenants/${s.pbx.tenant.id}/contacts?limit=50`).expect(200))
            .body as { items: ContactBody[] }
        ).items;
      expect(names(await personal())).toEqual(['Alice Friend']);

      const view = await reconcile(s);
      expect(view.subscriptions.map((x) => [x.kind, x.resource])).toEqual(
        [
          ['USERS', 'users'],
          ['CONTACTS', `users/${alice}/contacts`],
          ['CONTACTS', `users/${bob}/contacts`],
          ['CONTACTS', `users/${reception.id}/contacts`],
        ].sort((a, b) => (a[1] ?? '').localeCompare(b[1] ?? '')),
      );
      const atEmulator = control.listSubscriptions({ tenant: s.directoryId });
      const contactsSub = atEmulator.find((x) => x.resource === `users/${alice}/contacts`);
      // Outlook resources live at most 4,230 minutes; the test caps every subscription at 30.
      expect(Date.parse(contactsSub?.expirationDateTime ?? '')).toBeLessThanOrEqual(
        clock.now().getTime() + 30 * 60_000,
      );

      // No flush, no scheduled run: the emulator delivers on its own, the PBX syncs only Alice's mailbox.
      const started = Date.now();
      control.addContact({ tenant: s.directoryId, user: alice, contact: { displayName: 'Alice Colleague' } });
      expect(names(await until(personal, (list) => list.length === 2))).toEqual([
        'Alice Colleague',
        'Alice Friend',
      ]);
      expect(Date.now() - started).toBeLessThan(5_000);
      let all = await settleContacts(s, (list) => list.length === 2);
      expect(all[0]).toMatchObject({
        trigger: 'NOTIFICATION',
        mode: 'INCREMENTAL',
        status: 'SUCCEEDED',
        counts: { 'mailboxes.synced': 1, 'contacts.upserted': 1 },
      });
      expect(await owners(s, all[0])).toEqual(['user']);

      // A shared mailbox feeds the company contacts the same way.
      control.updateContact({
        tenant: s.directoryId,
        user: reception.id,
        contactId: plumber.id,
        changes: { displayName: 'Plumber Pauline' },
      });
      expect(names(await until(company, (list) => list[0]?.displayName === 'Plumber Pauline'))).toEqual([
        'Plumber Pauline',
      ]);
      all = await settleContacts(s, (list) => list.length === 3);
      expect(all[0]).toMatchObject({ trigger: 'NOTIFICATION', counts: { 'mailboxes.synced': 1 } });
      expect(await owners(s, all[0])).toEqual(['company']);

      // The shared mailbox leaves the scope: once a run stopped syncing it, its subscription goes.
      await t
        .as(s.pbx.adminToken)
        .patch(`${s.base}/contact-sync/settings`)
        .send({ sharedMailboxes: [] })
        .expect(200);
      await contactRun(s);
      expect((await reconcile(s)).subscriptions.map((x) => x.resource)).not.toContain(
        `users/${reception.id}/contacts`,
      );
      expect(control.listSubscriptions({ tenant: s.directoryId }).map((x) => x.resource)).not.toContain(
        `users/${reception.id}/contacts`,
      );

      // Contact sync switched off: no contact subscription is left, here or at Microsoft.
      await t
        .as(s.pbx.adminToken)
        .patch(`${s.base}/settings`)
        .send({ features: { personalContacts: false, sharedMailboxes: false } })
        .expect(200);
      expect((await reconcile(s)).subscriptions.map((x) => x.resource)).toEqual(['users']);
      expect(control.listSubscriptions({ tenant: s.directoryId }).map((x) => x.resource)).toEqual(['users']);
    });
  });
});
