import { EmulatorClock } from '../../core/emulator.clock';
import { DEFAULT_THROTTLING_CONFIG } from '../../faults/fault.config';
import { OutlookMailboxThrottle } from '../../faults/outlook-mailbox.throttle';
import { DEFAULT_SEED_PERMISSIONS } from '../../seed/directory.seeder';
import { EmulatorFixture } from '../../testing/emulator.fixture';

type Row = Record<string, unknown>;

describe('mailbox availability, shared mailboxes and Outlook limits', () => {
  let fixture: EmulatorFixture;
  let token: string;
  let users: string[];
  /** Every licensed member mailbox, for tests that need more mailboxes than the five samples. */
  let mailboxes: string[];

  beforeAll(async () => {
    fixture = await EmulatorFixture.start({
      seed: {
        users: 20,
        guests: 0.3,
        contactsPerUser: 3,
        sharedMailboxes: 1,
        app: { permissions: [...DEFAULT_SEED_PERMISSIONS, 'Contacts.Read', 'MailboxSettings.Read'] },
      },
    });
    token = await fixture.token();
    users = fixture.seeded.sampleUserPrincipalNames;
    const tenant = fixture.emulator.control.tenant(fixture.tenantId);
    mailboxes = tenant.users
      .all()
      .filter((user) => user.fields.userType !== 'Guest' && tenant.mailboxes.hasMailbox(user))
      .map((user) => user.id);
  });

  afterAll(async () => {
    await fixture.close();
  });

  afterEach(() => {
    fixture.emulator.control.setFaults({ latency: { fixedMs: 0, jitterMs: 0 } });
    fixture.emulator.control.setThrottling({
      outlook: {
        enabled: true,
        concurrentRequestsPerMailbox: 4,
        requestsPer10Minutes: 10_000,
        requestHoldMs: 0,
      },
    });
  });

  const graph = (path: string) => fixture.graph(path, { token });
  const control = () => fixture.emulator.control;

  it('answers MailboxNotEnabledForRESTAPI without an Exchange licence and for guests', async () => {
    const user = users[0] ?? '';
    control().setMailboxEnabled({ tenant: fixture.tenantId, user, enabled: false });
    const unlicensed = await graph(`/users/${user}/contacts`);
    expect(unlicensed.status).toBe(404);
    expect(unlicensed.json).toMatchObject({
      error: {
        code: 'MailboxNotEnabledForRESTAPI',
        message: 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.',
      },
    });
    control().setMailboxEnabled({ tenant: fixture.tenantId, user, enabled: true });
    expect((await graph(`/users/${user}/contacts`)).status).toBe(200);

    const guest = control()
      .tenant(fixture.tenantId)
      .users.all()
      .find((candidate) => candidate.fields.userType === 'Guest');
    expect((await graph(`/users/${guest?.id ?? ''}/mailboxSettings`)).json).toMatchObject({
      error: { code: 'MailboxNotEnabledForRESTAPI' },
    });
  });

  it('answers 403 ErrorAccessDenied when an application access policy blocks the mailbox', async () => {
    const user = users[1] ?? '';
    control().setMailboxAccessPolicy({
      tenant: fixture.tenantId,
      user,
      blocked: true,
      clientId: fixture.clientId,
    });
    const blocked = await graph(`/users/${user}/contactFolders`);
    expect(blocked.status).toBe(403);
    expect(blocked.json).toMatchObject({
      error: { code: 'ErrorAccessDenied', message: 'Access to OData is disabled.' },
    });
    expect((await graph(`/users/${users[2] ?? ''}/contactFolders`)).status).toBe(200);
    control().setMailboxAccessPolicy({ tenant: fixture.tenantId, user, blocked: false });
    expect((await graph(`/users/${user}/contactFolders`)).status).toBe(200);
  });

  it('tells shared mailboxes apart with mailboxSettings/userPurpose', async () => {
    const shared = fixture.seeded.sharedMailboxUserPrincipalNames[0] ?? '';
    const purpose = await graph(`/users/${shared}/mailboxSettings/userPurpose`);
    expect(purpose.status).toBe(200);
    expect(purpose.json).toEqual({
      '@odata.context': expect.stringContaining('/mailboxSettings/userPurpose'),
      value: 'shared',
    });
    expect((await graph(`/users/${users[0] ?? ''}/mailboxSettings/userPurpose`)).json['value']).toBe('user');

    const created = control().createSharedMailbox({
      tenant: fixture.tenantId,
      userPrincipalName: 'pbx-voicemail@contoso.onmicrosoft.com',
      displayName: 'PBX Voicemail',
    });
    expect(created.accountEnabled).toBe(false);
    const settings = await graph(`/users/${created.id}/mailboxSettings`);
    expect(settings.json).toMatchObject({
      userPurpose: 'shared',
      timeZone: 'UTC',
      workingHours: { daysOfWeek: expect.arrayContaining(['monday']) },
    });

    control().revokePermissions({
      tenant: fixture.tenantId,
      clientId: fixture.clientId,
      permissions: ['MailboxSettings.Read'],
    });
    const withoutPermission = await fixture.token();
    control().grantPermissions({
      tenant: fixture.tenantId,
      clientId: fixture.clientId,
      permissions: ['MailboxSettings.Read'],
    });
    expect(
      (await fixture.graph(`/users/${shared}/mailboxSettings/userPurpose`, { token: withoutPermission }))
        .status,
    ).toBe(403);
  });

  it('lets at most 4 requests run concurrently per app and mailbox; the 5th gets MailboxConcurrency', async () => {
    control().setThrottling({ outlook: { requestHoldMs: 300 } });
    const user = users[2] ?? '';
    const results = await Promise.all([0, 1, 2, 3, 4].map(() => graph(`/users/${user}/contacts`)));
    const statuses = results.map((result) => result.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    const throttled = results.find((result) => result.status === 429);
    expect(throttled?.json).toMatchObject({
      error: { code: 'ApplicationThrottled', message: 'Application is over its MailboxConcurrency limit.' },
    });
    expect(Number(throttled?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    // Another mailbox has its own slots; a $batch sends at most 4 Outlook items at a time, so none is refused.
    const otherMailbox = await Promise.all([
      graph(`/users/${user}/contacts`),
      graph(`/users/${users[3] ?? ''}/contacts`),
    ]);
    expect(otherMailbox.map((result) => result.status)).toEqual([200, 200]);
    const batch = await fixture.graph('/$batch', {
      token,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        requests: [1, 2, 3, 4, 5, 6].map((id) => ({
          id: String(id),
          method: 'GET',
          url: `/users/${user}/contacts`,
        })),
      }),
    });
    expect((batch.json['responses'] as Row[]).map((item) => item['status'])).toEqual([
      200, 200, 200, 200, 200, 200,
    ]);
  });

  describe('with injected latency only (no requestHoldMs)', () => {
    const LATENCY_MS = 400;
    const statusesOf = (results: { status: number }[]): number[] =>
      results.map((result) => result.status).sort((a, b) => a - b);
    const batchOf = (paths: string[]) =>
      fixture.graph('/$batch', {
        token,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          requests: paths.map((url, index) => ({ id: String(index + 1), method: 'GET', url })),
        }),
      });
    const itemStatuses = (batch: { json: Row }): number[] =>
      (batch.json['responses'] as Row[]).map((item) => Number(item['status'])).sort((a, b) => a - b);

    beforeEach(() => {
      // Latency is the request's simulated duration: an Outlook request spends it holding its mailbox slot.
      control().setFaults({ latency: { fixedMs: LATENCY_MS, jitterMs: 0 } });
    });

    it('answers some of 8 parallel requests to one mailbox with 429 MailboxConcurrency', async () => {
      const user = mailboxes[4] ?? '';
      const started = Date.now();
      const results = await Promise.all(Array.from({ length: 8 }, () => graph(`/users/${user}/contacts`)));
      const ok = results.filter((result) => result.status === 200);
      const throttled = results.filter((result) => result.status === 429);
      expect(ok.length + throttled.length).toBe(8);
      expect(ok.length).toBeLessThanOrEqual(4);
      expect(throttled.length).toBeGreaterThanOrEqual(4);
      expect(throttled[0]?.json).toMatchObject({
        error: { code: 'ApplicationThrottled', message: 'Application is over its MailboxConcurrency limit.' },
      });
      expect(throttled[0]?.headers.get('retry-after')).toBe('1');
      // The admitted ones really took the injected latency.
      expect(Date.now() - started).toBeGreaterThanOrEqual(LATENCY_MS - 20);
    });

    it('lets 4 parallel requests to one mailbox through, and mailboxes do not interfere', async () => {
      const [first, second] = [mailboxes[5] ?? '', mailboxes[6] ?? ''];
      expect(
        statusesOf(await Promise.all([0, 1, 2, 3].map(() => graph(`/users/${first}/contacts`)))),
      ).toEqual([200, 200, 200, 200]);
      const mixed = await Promise.all([
        ...[0, 1, 2, 3].map(() => graph(`/users/${first}/contactFolders`)),
        ...[0, 1, 2, 3].map(() => graph(`/users/${second}/mailboxSettings`)),
      ]);
      expect(statusesOf(mixed)).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
    });

    it('counts photos (Outlook profile API) against the mailbox limit too', async () => {
      const user = mailboxes[7] ?? '';
      const results = await Promise.all(
        Array.from({ length: 8 }, () => graph(`/users/${user}/photo/$value`)),
      );
      const throttled = results.filter((result) => result.status === 429);
      expect(throttled.length).toBeGreaterThanOrEqual(4);
      expect(throttled[0]?.json).toMatchObject({ error: { code: 'ApplicationThrottled' } });
    });

    it('runs a $batch of 8 Outlook items to one mailbox 4 at a time without tripping the limit', async () => {
      const user = mailboxes[8] ?? '';
      const started = Date.now();
      const batch = await batchOf([
        ...Array.from({ length: 6 }, () => `/users/${user}/contacts`),
        `/users/${user}/photo`,
        `/users/${user}/mailboxSettings`,
      ]);
      expect(batch.status).toBe(200);
      expect(itemStatuses(batch).filter((status) => status === 429)).toEqual([]);
      // Outer request, then two rounds of 4 items each holding the mailbox for the latency.
      expect(Date.now() - started).toBeGreaterThanOrEqual(3 * LATENCY_MS - 20);
    });

    it('lets two concurrent batches to one mailbox exceed it: batch parallelism is per batch', async () => {
      const user = mailboxes[9] ?? '';
      const paths = Array.from({ length: 4 }, () => `/users/${user}/contacts`);
      const batches = await Promise.all([batchOf(paths), batchOf(paths)]);
      const statuses = batches.flatMap((batch) => itemStatuses(batch));
      expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(1);
      const throttledItem = batches
        .flatMap((batch) => batch.json['responses'] as Row[])
        .find((item) => item['status'] === 429);
      expect(throttledItem).toMatchObject({
        headers: { 'Retry-After': '1' },
        body: { error: { code: 'ApplicationThrottled' } },
      });
    });
  });

  it('limits requests per 10 minutes per app and mailbox on the emulator clock', async () => {
    control().setThrottling({ outlook: { requestsPer10Minutes: 3 } });
    const user = users[3] ?? '';
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await graph(`/users/${user}/contacts`)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const throttled = await graph(`/users/${user}/contacts`);
    expect(throttled.json).toMatchObject({ error: { code: 'ApplicationThrottled' } });
    // A sliding window: the slot frees up when the first of the three leaves the window, ~10 minutes on.
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(599);
    expect(Number(throttled.headers.get('retry-after'))).toBeLessThanOrEqual(600);
    control().advanceClock({ minutes: 10 });
    expect((await graph(`/users/${user}/contacts`)).status).toBe(200);
  });

  it('allows exactly 10,000 requests per 10 minutes by default', () => {
    const clock = new EmulatorClock({ frozen: true });
    const throttle = new OutlookMailboxThrottle(clock, () => DEFAULT_THROTTLING_CONFIG.outlook);
    for (let i = 0; i < 10_000; i++) {
      const admission = throttle.admit('t', 'app', 'mailbox');
      if (!admission.admitted) throw new Error(`refused request ${i}`);
      admission.release();
    }
    expect(throttle.admit('t', 'app', 'mailbox')).toMatchObject({ admitted: false, limit: 'requests' });
    expect(throttle.admit('t', 'other-app', 'mailbox')).toMatchObject({ admitted: true });
    clock.advance(10 * 60_000);
    expect(throttle.admit('t', 'app', 'mailbox')).toMatchObject({ admitted: true });
  });
});
