import { EmulatorClock } from '../../core/emulator.clock';
import { DEFAULT_SEED_PERMISSIONS } from '../../seed/directory.seeder';
import { EmulatorFixture } from '../../testing/emulator.fixture';
import { parseIsoDuration } from './iso-duration';

describe('Teams presence: setPresence, clearPresence, presence, getPresencesByUserId', () => {
  let fixture: EmulatorFixture;
  let clock: EmulatorClock;
  let token: string;
  let users: string[];

  beforeAll(async () => {
    clock = new EmulatorClock();
    fixture = await EmulatorFixture.start({
      emulator: { clock },
      seed: {
        users: 5,
        photos: 0,
        app: { permissions: [...DEFAULT_SEED_PERMISSIONS, 'Presence.ReadWrite.All'] },
      },
    });
    token = await fixture.token();
    users = fixture.emulator.control.listUsers({ tenant: fixture.tenantId }).map((user) => user.id);
  });

  afterAll(async () => {
    await fixture.close();
  });

  const post = (path: string, body: unknown, as = token) =>
    fixture.graph(path, {
      method: 'POST',
      token: as,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const presenceOf = async (id: string) => (await fixture.graph(`/users/${id}/presence`, { token })).json;
  const user = (index: number) => users[index] ?? '';

  it('sets our session with the app id as sessionId, shows it, and clears it (then Offline, 404 again)', async () => {
    expect(await presenceOf(user(0))).toMatchObject({
      id: user(0),
      availability: 'Offline',
      activity: 'Offline',
    });
    const set = await post(`/users/${user(0)}/presence/setPresence`, {
      sessionId: fixture.clientId,
      availability: 'Busy',
      activity: 'InACall',
      expirationDuration: 'PT15M',
    });
    expect(set.status).toBe(200);
    expect(await presenceOf(user(0))).toMatchObject({ availability: 'Busy', activity: 'InACall' });
    const clear = () => post(`/users/${user(0)}/presence/clearPresence`, { sessionId: fixture.clientId });
    expect((await clear()).status).toBe(200);
    expect(await presenceOf(user(0))).toMatchObject({ availability: 'Offline', activity: 'Offline' });
    const again = await clear();
    expect(again.status).toBe(404);
  });

  it("refuses another app's sessionId, undocumented pairs and an expiration outside PT5M..PT4H", async () => {
    const base = { sessionId: fixture.clientId, availability: 'Busy', activity: 'InACall' };
    const refused = [
      { ...base, sessionId: '22553876-f5ab-4529-bffb-cfe50aa89f87' },
      { ...base, activity: 'Busy' },
      { ...base, availability: 'DoNotDisturb', activity: 'DoNotDisturb' },
      { ...base, expirationDuration: 'PT4M' },
      { ...base, expirationDuration: 'PT4H1M' },
      { ...base, expirationDuration: '15 minutes' },
    ];
    for (const body of refused) {
      const answer = await post(`/users/${user(1)}/presence/setPresence`, body);
      expect([answer.status, (answer.json['error'] as { code: string }).code]).toEqual([400, 'BadRequest']);
    }
    for (const ok of [
      { ...base, expirationDuration: 'PT4H' },
      { ...base, availability: 'DoNotDisturb', activity: 'Presenting' },
    ]) {
      expect((await post(`/users/${user(1)}/presence/setPresence`, ok)).status).toBe(200);
    }
  });

  it('expires a session after its expirationDuration (default 5 minutes)', async () => {
    await post(`/users/${user(2)}/presence/setPresence`, {
      sessionId: fixture.clientId,
      availability: 'Away',
      activity: 'Away',
    });
    expect(await presenceOf(user(2))).toMatchObject({ availability: 'Away' });
    fixture.emulator.control.advanceClock({ minutes: 5 });
    expect(await presenceOf(user(2))).toMatchObject({ availability: 'Offline', activity: 'Offline' });
  });

  it('lets a presence the user set by hand win over our session (the precedence Microsoft documents)', async () => {
    await post(`/users/${user(3)}/presence/setPresence`, {
      sessionId: fixture.clientId,
      availability: 'Busy',
      activity: 'InACall',
      expirationDuration: 'PT1H',
    });
    const control = fixture.emulator.control;
    control.setUserPresence({
      tenant: fixture.tenantId,
      user: user(3),
      availability: 'DoNotDisturb',
      activity: 'DoNotDisturb',
    });
    expect(await presenceOf(user(3))).toMatchObject({
      availability: 'DoNotDisturb',
      activity: 'DoNotDisturb',
    });
    const info = control.clearUserPresence({ tenant: fixture.tenantId, user: user(3) });
    // Among sessions Busy outranks the Teams client's Available.
    expect(info).toMatchObject({ availability: 'Busy', activity: 'InACall' });
    expect(Object.keys(info.sessions).sort()).toEqual([fixture.clientId.toLowerCase(), 'teams-client']);
  });

  it('reads up to 650 ids per getPresencesByUserId, leaves unknown ids out, and refuses 651', async () => {
    const ids = [...users, '00000000-0000-0000-0000-000000000001'];
    const answer = await post('/communications/getPresencesByUserId', { ids });
    expect(answer.status).toBe(200);
    expect((answer.json['value'] as { id: string }[]).map((p) => p.id)).toEqual(users);
    const filler = Array.from(
      { length: 650 },
      (_, i) => `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
    );
    expect((await post('/communications/getPresencesByUserId', { ids: filler })).status).toBe(200);
    const over = await post('/communications/getPresencesByUserId', { ids: [...filler, user(0)] });
    expect([over.status, (over.json['error'] as { code: string }).code]).toEqual([400, 'BadRequest']);
  });

  it('answers 403 without the presence application permissions', async () => {
    const control = fixture.emulator.control;
    control.revokePermissions({
      tenant: fixture.tenantId,
      clientId: fixture.clientId,
      permissions: ['Presence.ReadWrite.All'],
    });
    const without = await fixture.token();
    const read = await post('/communications/getPresencesByUserId', { ids: [user(0)] }, without);
    const write = await post(
      `/users/${user(0)}/presence/setPresence`,
      {
        sessionId: fixture.clientId,
        availability: 'Available',
        activity: 'Available',
      },
      without,
    );
    expect([read.status, write.status]).toEqual([403, 403]);
    control.grantPermissions({
      tenant: fixture.tenantId,
      clientId: fixture.clientId,
      permissions: ['Presence.Read.All'],
    });
    const readOnly = await fixture.token();
    expect((await post('/communications/getPresencesByUserId', { ids: [user(0)] }, readOnly)).status).toBe(
      200,
    );
    const stillNo = await post(
      `/users/${user(0)}/presence/clearPresence`,
      { sessionId: fixture.clientId },
      readOnly,
    );
    expect(stillNo.status).toBe(403);
  });

  it('parses ISO 8601 durations of days, hours, minutes and seconds only', () => {
    expect(parseIsoDuration('PT15M')).toBe(900_000);
    expect(parseIsoDuration('P1DT1H')).toBe(90_000_000);
    expect(parseIsoDuration('PT90S')).toBe(90_000);
    for (const bad of ['P', 'PT', 'P1M', '15M', 'PT1.5H']) expect(parseIsoDuration(bad)).toBeUndefined();
  });
});
