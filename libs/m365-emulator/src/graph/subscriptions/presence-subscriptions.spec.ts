import { createHash, randomBytes } from 'node:crypto';
import { EmulatorFixture, type FetchResult } from '../../testing/emulator.fixture';
import { WebhookReceiver } from '../../testing/webhook.receiver';

const REDIRECT_URI = 'https://pbx.example/presence/callback';
const MINUTE = 60_000;

/**
 * Presence change notifications with a service account (docs/graph-notes.md §14): delegated tokens from the
 * authorization code flow and the refresh token grant, presence subscriptions (delegated only, Presence.Read.All,
 * at most 650 ids, at most 60 minutes) and the basic notification a presence change sends.
 */
describe('presence subscriptions with a signed-in service account', () => {
  let fixture: EmulatorFixture;
  let receiver: WebhookReceiver;
  let upn: string;
  let userIds: string[];

  beforeAll(async () => {
    fixture = await EmulatorFixture.start({
      emulator: { webhooks: { validationTimeoutMs: 300, batchDelayMs: 20, retryDelaysMs: [50] } },
      // The application permission Presence.Read.All exists (for reading presence): app-only must still be refused.
      seed: {
        users: 5,
        app: { permissions: ['User.Read.All', 'Presence.Read.All'], redirectUris: [REDIRECT_URI] },
      },
    });
    receiver = await WebhookReceiver.start();
    upn = fixture.seeded.sampleUserPrincipalNames[0] ?? '';
    userIds = fixture.emulator.control
      .listUsers({ tenant: fixture.tenantId })
      .map((user: { id: string }) => user.id);
  });

  afterAll(async () => {
    await receiver.close();
    await fixture.close();
  });

  const tokenRequest = (form: Record<string, string>): Promise<FetchResult> =>
    fixture.fetch(`/${fixture.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: fixture.clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: fixture.assertion(),
        ...form,
      }).toString(),
    });

  /** The service account signs in once (authorization code + PKCE) and consents to Presence.Read.All. */
  async function signIn(
    scope = 'openid profile offline_access Presence.Read.All',
  ): Promise<Record<string, unknown>> {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const query = new URLSearchParams({
      client_id: fixture.clientId,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      prompt: 'login',
    });
    const page = await fixture.fetch(`/${fixture.tenantId}/oauth2/v2.0/authorize?${query.toString()}`);
    const action = /<form id="signInForm"[^>]* action="([^"]+)"/.exec(page.text)?.[1] ?? '';
    const ctx = /name="ctx" id="ctx" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    const redirect = await fixture.fetch(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ctx, loginfmt: upn, passwd: fixture.seeded.password }).toString(),
    });
    const code = new URL(redirect.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const tokens = await tokenRequest({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    });
    expect(tokens.status).toBe(200);
    return tokens.json;
  }

  const inMinutes = (minutes: number) =>
    new Date(fixture.emulator.control.getClock().epochMs + minutes * MINUTE).toISOString();
  const subscribe = (token: string, ids: string[], overrides: Record<string, unknown> = {}) =>
    fixture.graph('/subscriptions', {
      token,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        changeType: 'updated',
        notificationUrl: receiver.url('/presence'),
        resource: `/communications/presences?$filter=id in (${ids.map((id) => `'${id}'`).join(',')})`,
        expirationDateTime: inMinutes(55),
        clientState: 'presence-secret',
        ...overrides,
      }),
    });

  it('redeems a refresh token for new tokens, and refuses it once the sign-in sessions are revoked', async () => {
    const first = await signIn();
    expect(first).toMatchObject({
      refresh_token: expect.any(String),
      scope: expect.stringContaining('Presence.Read.All'),
    });
    const refreshed = await tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: String(first['refresh_token']),
      scope: 'Presence.Read.All offline_access',
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json).toMatchObject({
      access_token: expect.any(String),
      refresh_token: expect.any(String),
    });
    expect(refreshed.json['refresh_token']).not.toBe(first['refresh_token']);

    fixture.emulator.control.revokeSignInSessions({ tenant: fixture.tenantId, user: upn });
    const refused = await tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: String(refreshed.json['refresh_token']),
    });
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ error: 'invalid_grant', error_codes: [50173] });
    const unknown = await tokenRequest({ grant_type: 'refresh_token', refresh_token: 'not-issued' });
    expect(unknown.json).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses presence subscriptions app-only, without Presence.Read.All, beyond 650 ids or 60 minutes', async () => {
    const appOnly = await subscribe(await fixture.token(), userIds.slice(0, 2));
    expect(appOnly.status).toBe(403);
    const withoutScope = await signIn('openid offline_access User.Read');
    expect((await subscribe(String(withoutScope['access_token']), userIds.slice(0, 2))).status).toBe(403);
    const token = String((await signIn())['access_token']);
    const tooMany = Array.from({ length: 651 }, (_, i) => userIds[i % userIds.length] ?? '');
    const many = await subscribe(token, tooMany);
    expect(many.status).toBe(400);
    expect(many.json).toMatchObject({ error: { message: expect.stringContaining('650') } });
    const long = await subscribe(token, userIds.slice(0, 2), { expirationDateTime: inMinutes(61) });
    expect(long.status).toBe(400);
    expect(long.json).toMatchObject({ error: { message: expect.stringContaining('60 minutes') } });
    const created = await subscribe(token, userIds.slice(0, 650 > userIds.length ? userIds.length : 650));
    expect(created.status).toBe(201);
  });

  it('notifies a presence change of a watched user, without resource data, and nothing for others', async () => {
    const token = String((await signIn())['access_token']);
    const [watched = '', other = ''] = userIds;
    const created = await subscribe(token, [watched], { clientState: 'watch-one' });
    expect(created.status).toBe(201);
    receiver.received.length = 0;
    fixture.emulator.control.setUserPresence({
      tenant: fixture.tenantId,
      user: other,
      availability: 'Away',
      activity: 'Away',
    });
    fixture.emulator.control.setUserPresence({
      tenant: fixture.tenantId,
      user: watched,
      availability: 'DoNotDisturb',
      activity: 'DoNotDisturb',
    });
    await fixture.emulator.control.flushNotifications();
    const items = receiver.notifications('/presence').filter((item) => item['clientState'] === 'watch-one');
    expect(items).toEqual([
      expect.objectContaining({
        subscriptionId: created.json['id'],
        changeType: 'updated',
        resource: `communications/presences/${watched}`,
        resourceData: {
          '@odata.id': `users/${watched}/presence`,
          '@odata.type': '#microsoft.graph.presence',
          id: watched,
        },
      }),
    ]);
    expect(items[0]).not.toHaveProperty('encryptedContent');
    // The same presence again is no change: nothing is sent.
    receiver.received.length = 0;
    fixture.emulator.control.setUserPresence({
      tenant: fixture.tenantId,
      user: watched,
      availability: 'DoNotDisturb',
      activity: 'DoNotDisturb',
    });
    await fixture.emulator.control.flushNotifications();
    expect(receiver.notifications('/presence')).toEqual([]);
  });

  it('expires a refresh token unused for 90 days (AADSTS700082)', async () => {
    const tokens = await signIn();
    // Last in this file: the emulator's clock only moves forward.
    fixture.emulator.control.advanceClock({ days: 91 });
    const refused = await tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: String(tokens['refresh_token']),
    });
    expect(refused.json).toMatchObject({ error: 'invalid_grant', error_codes: [700082] });
  });
});
