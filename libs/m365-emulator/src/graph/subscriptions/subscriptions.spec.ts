import { DEFAULT_SEED_PERMISSIONS } from '../../seed/directory.seeder';
import { EmulatorFixture } from '../../testing/emulator.fixture';
import { WebhookReceiver } from '../../testing/webhook.receiver';

type Row = Record<string, unknown>;

const MINUTE = 60_000;

describe('subscriptions and change notifications', () => {
  let fixture: EmulatorFixture;
  let receiver: WebhookReceiver;
  let token: string;
  let upn: string;

  beforeAll(async () => {
    fixture = await EmulatorFixture.start({
      emulator: { webhooks: { validationTimeoutMs: 300, batchDelayMs: 20, retryDelaysMs: [50, 50] } },
      seed: {
        users: 10,
        contactsPerUser: 2,
        eventsPerUser: 1,
        app: { permissions: [...DEFAULT_SEED_PERMISSIONS, 'Contacts.Read', 'Calendars.Read'] },
      },
    });
    receiver = await WebhookReceiver.start();
    token = await fixture.token();
    upn = fixture.seeded.sampleUserPrincipalNames[0] ?? '';
  });

  afterAll(async () => {
    await receiver.close();
    await fixture.close();
  });

  beforeEach(() => {
    receiver.validation = 'echo';
    receiver.received.length = 0;
  });

  const control = () => fixture.emulator.control;
  const inMinutes = (minutes: number) =>
    new Date(control().getClock().epochMs + minutes * MINUTE).toISOString();
  const send = (method: string, path: string, body?: unknown) =>
    fixture.graph(path, {
      token,
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const subscribe = (overrides: Row = {}) =>
    send('POST', '/subscriptions', {
      changeType: 'updated,deleted',
      notificationUrl: receiver.url('/notify'),
      resource: '/users',
      expirationDateTime: inMinutes(60),
      clientState: 'secret-client-state',
      ...overrides,
    });

  it('creates a subscription after a successful validation handshake', async () => {
    const created = await subscribe({ lifecycleNotificationUrl: receiver.url('/lifecycle') });
    expect(created.status).toBe(201);
    expect(receiver.validations).toBeGreaterThanOrEqual(2);
    expect(created.json).toMatchObject({
      id: expect.any(String),
      resource: '/users',
      applicationId: fixture.clientId,
      changeType: 'updated,deleted',
      clientState: 'secret-client-state',
      notificationUrl: receiver.url('/notify'),
      lifecycleNotificationUrl: receiver.url('/lifecycle'),
      expirationDateTime: expect.stringMatching(/\.\d{7}Z$/),
    });
    await send('DELETE', `/subscriptions/${String(created.json['id'])}`);
  });

  it('fails the create when the handshake fails, with Graph errors', async () => {
    receiver.validation = 'fail';
    const failed = await subscribe();
    expect(failed.status).toBe(400);
    expect(failed.json).toMatchObject({
      error: {
        code: 'ValidationError',
        message:
          'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.',
      },
    });
    receiver.validation = 'wrong-token';
    expect((await subscribe()).json).toMatchObject({
      error: { message: expect.stringContaining('must exactly match validationToken') },
    });
    receiver.validation = 'slow';
    expect((await subscribe()).json).toMatchObject({
      error: { code: 'InvalidRequest', message: 'Subscription validation request timed out.' },
    });
    expect(control().listSubscriptions({ tenant: fixture.tenantId })).toHaveLength(0);
  });

  it('enforces lifetimes, URLs, changeTypes, clientState and permissions', async () => {
    const tooLong = await subscribe({ expirationDateTime: inMinutes(41_761) });
    expect(tooLong.json).toMatchObject({
      error: {
        code: 'ExtensionError',
        message: 'Subscription expiration can only be 41760 minutes in the future.',
      },
    });
    const contactsTooLong = await subscribe({
      resource: `/users/${upn}/contacts`,
      changeType: 'created',
      expirationDateTime: inMinutes(4_231),
    });
    expect(contactsTooLong.json).toMatchObject({
      error: { message: 'Subscription expiration can only be 4230 minutes in the future.' },
    });
    expect((await subscribe({ notificationUrl: 'http://example.com/notify' })).json).toMatchObject({
      error: { code: 'InvalidRequest', message: "NotificationUrl scheme='http' is not supported." },
    });
    expect((await subscribe({ notificationUrl: 'https://example.com/notify' })).status).toBe(400);
    expect((await subscribe({ changeType: 'created' })).status).toBe(400);
    expect((await subscribe({ clientState: 'x'.repeat(129) })).status).toBe(400);
    const groups = await subscribe({ resource: 'groups' });
    expect(groups.status).toBe(403);
    expect(control().listSubscriptions({ tenant: fixture.tenantId })).toHaveLength(0);
  });

  it('delivers user, contact and event changes with clientState', async () => {
    const users = await subscribe();
    const contacts = await subscribe({
      resource: `users/${upn}/contacts`,
      changeType: 'created,updated,deleted',
      notificationUrl: receiver.url('/contacts'),
    });
    const events = await subscribe({
      resource: `/users/${upn}/events`,
      changeType: 'created,updated,deleted',
      notificationUrl: receiver.url('/events'),
    });
    expect([users.status, contacts.status, events.status]).toEqual([201, 201, 201]);

    const someone = control().updateUser({
      tenant: fixture.tenantId,
      user: upn,
      changes: { jobTitle: 'Operator' },
    });
    const contact = control().addContact({
      tenant: fixture.tenantId,
      user: upn,
      contact: { displayName: 'New Lead' },
    });
    const event = control().addEvent({
      tenant: fixture.tenantId,
      user: upn,
      event: { subject: 'Call', start: inMinutes(10), end: inMinutes(40), showAs: 'busy' },
    });
    control().addContact({
      tenant: fixture.tenantId,
      user: fixture.seeded.sampleUserPrincipalNames[1] ?? '',
      contact: { displayName: 'Other mailbox' },
    });
    await control().flushNotifications();

    expect(receiver.notifications('/notify')).toEqual([
      expect.objectContaining({
        subscriptionId: users.json['id'],
        clientState: 'secret-client-state',
        changeType: 'updated',
        resource: `Users/${someone.id}`,
        tenantId: fixture.tenantId,
        subscriptionExpirationDateTime: users.json['expirationDateTime'],
        resourceData: expect.objectContaining({ '@odata.type': '#Microsoft.Graph.User', id: someone.id }),
      }),
    ]);
    expect(receiver.notifications('/contacts')).toEqual([
      expect.objectContaining({
        changeType: 'created',
        resource: `Users/${someone.id}/Contacts/${contact.id}`,
        clientState: 'secret-client-state',
        resourceData: expect.objectContaining({ id: contact.id, '@odata.etag': `W/"${contact.changeKey}"` }),
      }),
    ]);
    expect(receiver.notifications('/events')).toEqual([
      expect.objectContaining({
        changeType: 'created',
        resourceData: expect.objectContaining({ id: event.id }),
      }),
    ]);

    // Deleting stops delivery.
    for (const created of [users, contacts, events]) {
      expect((await send('DELETE', `/subscriptions/${String(created.json['id'])}`)).status).toBe(204);
    }
    expect((await send('GET', `/subscriptions/${String(users.json['id'])}`)).status).toBe(404);
    receiver.received.length = 0;
    control().updateUser({ tenant: fixture.tenantId, user: upn, changes: { jobTitle: 'Lead' } });
    await control().flushNotifications();
    expect(receiver.received).toHaveLength(0);
  });

  it('retries failed deliveries', async () => {
    const created = await subscribe();
    receiver.failNext = 1;
    control().updateUser({ tenant: fixture.tenantId, user: upn, changes: { officeLocation: 'Remote' } });
    await control().flushNotifications();
    expect(receiver.notifications('/notify')).toHaveLength(1);
    const info = control()
      .listSubscriptions({ tenant: fixture.tenantId })
      .find((s) => s.id === created.json['id']);
    expect(info?.stats).toMatchObject({ delivered: 1, failedAttempts: 1, dropped: 0 });
    await send('DELETE', `/subscriptions/${String(created.json['id'])}`);
  });

  it('renews with PATCH, sends lifecycle notifications and stops after expiry', async () => {
    const created = await subscribe({
      resource: `/users/${upn}/contacts`,
      changeType: 'created',
      expirationDateTime: inMinutes(30),
      lifecycleNotificationUrl: receiver.url('/lifecycle'),
    });
    const id = String(created.json['id']);
    const renewed = await send('PATCH', `/subscriptions/${id}`, { expirationDateTime: inMinutes(4_000) });
    expect(renewed.status).toBe(200);
    expect(Date.parse(String(renewed.json['expirationDateTime']))).toBeGreaterThan(
      Date.parse(String(created.json['expirationDateTime'])),
    );
    expect(
      (await send('PATCH', `/subscriptions/${id}`, { expirationDateTime: inMinutes(5_000) })).status,
    ).toBe(400);
    const listed = await send('GET', '/subscriptions');
    expect((listed.json['value'] as Row[]).map((s) => s['id'])).toContain(id);

    await control().triggerLifecycleNotification({
      subscriptionId: id,
      lifecycleEvent: 'reauthorizationRequired',
    });
    expect(receiver.notifications('/lifecycle')).toEqual([
      expect.objectContaining({
        subscriptionId: id,
        lifecycleEvent: 'reauthorizationRequired',
        clientState: 'secret-client-state',
      }),
    ]);
    expect((await send('POST', `/subscriptions/${id}/reauthorize`, {})).status).toBe(204);

    control().advanceClock({ minutes: 4_001 });
    control().addContact({ tenant: fixture.tenantId, user: upn, contact: { displayName: 'Too late' } });
    await control().flushNotifications();
    expect(receiver.notifications('/notify')).toHaveLength(0);
    token = await fixture.token();
    expect((await send('GET', `/subscriptions/${id}`)).status).toBe(404);
  });

  it('removes a subscription with the subscriptionRemoved lifecycle event', async () => {
    const fresh = await fixture.token();
    const created = await fixture.graph('/subscriptions', {
      token: fresh,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        changeType: 'created,updated',
        notificationUrl: receiver.url('/notify'),
        lifecycleNotificationUrl: receiver.url('/lifecycle'),
        resource: `/users/${upn}/events`,
        expirationDateTime: inMinutes(60),
      }),
    });
    const id = String(created.json['id']);
    await control().triggerLifecycleNotification({
      subscriptionId: id,
      lifecycleEvent: 'subscriptionRemoved',
    });
    expect(receiver.notifications('/lifecycle')).toEqual([
      expect.objectContaining({
        subscriptionId: id,
        lifecycleEvent: 'subscriptionRemoved',
        clientState: null,
      }),
    ]);
    expect(
      control()
        .listSubscriptions({ tenant: fixture.tenantId })
        .map((s) => s.id),
    ).not.toContain(id);
  });
});
