import { randomUUID } from 'node:crypto';
import { type Clock, PBX_CALL_STATES, PBX_PRESENCE, type PbxPresencePort } from '@pbx/microsoft365';
import { TeamsPresenceScheduler } from '@pbx/microsoft365/teams-presence/teams-presence.scheduler';
import { createTestApp, type TenantWithAdmin, type TestApp } from '@pbx/test/support/create-test-app';
import {
  connectTenant,
  type EmulatedMicrosoft365,
  startEmulatedMicrosoft365,
} from '@pbx/test/support/microsoft365-test-env';

/** The module's clock: real time plus an offset the test moves. */
class MovableClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SET_PRESENCE = 'POST /v1.0/users/{id}/presence/setPresence';
const PRESENCE_PERMISSIONS = ['User.Read.All', 'Presence.ReadWrite.All'];

interface TeamsView {
  toTeams: boolean;
  fromTeams: boolean;
  toTeamsUnavailable: string | null;
  fromTeamsUnavailable: string | null;
  mapping: Record<string, string>;
  activeSessions: number;
}

describe('Microsoft 365 Teams presence (emulator, real PostgreSQL)', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  let presence: PbxPresencePort;
  const clock = new MovableClock();
  let scenarios = 0;

  beforeAll(async () => {
    m365 = await startEmulatedMicrosoft365({ users: 0, groupDepth: 0, departments: 0 });
    t = await createTestApp({
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

  async function scenario(app: TestApp, names: string[], permissions = PRESENCE_PERMISSIONS, switches = {}) {
    scenarios++;
    const seeded = await m365.emulator.control.seed({
      seed: `teams-presence-${scenarios}`,
      tenantId: randomUUID(),
      domain: `teams${scenarios}.onmicrosoft.com`,
      users: 0,
      departments: 0,
      groupDepth: 0,
      app: { permissions },
    });
    const pbx: TenantWithAdmin = await app.createTenantWithAdmin();
    const clientId = seeded.clientId ?? '';
    const base = await connectTenant(app, { ...m365, seeded: { ...seeded, clientId } }, pbx);
    await app.as(pbx.adminToken).patch(`${base}/notifications`).send({ enabled: false }).expect(200);
    const ids = new Map<string, string>();
    for (const name of names) {
      const user = m365.emulator.control.addUser({
        tenant: seeded.tenantId,
        user: {
          userPrincipalName: `${name}@${seeded.domain}`,
          displayName: `${name} Example`,
          givenName: name,
          surname: 'Example',
          mail: `${name}@${seeded.domain}`,
        },
      });
      ids.set(name, user.id);
    }
    const started = await app.as(pbx.adminToken).post(`${base}/user-sync/runs`).send({}).expect(202);
    for (let i = 0; i < 200; i++) {
      const run = await app
        .as(pbx.adminToken)
        .get(`${base}/user-sync/runs/${(started.body as { id: string }).id}`);
      if ((run.body as { status: string }).status !== 'RUNNING') break;
      await sleep(50);
    }
    const page = await app
      .as(pbx.adminToken)
      .get(`/api/tenants/${pbx.tenant.id}/users?limit=200`)
      .expect(200);
    const pbxUsers = (page.body as { items: { id: string; email: string | null }[] }).items;
    const control = m365.emulator.control;
    return {
      pbx,
      base,
      clientId,
      objectId: (name: string) => ids.get(name) ?? '',
      pbxUserId: (name: string) => pbxUsers.find((u) => u.email?.startsWith(`${name}@`))?.id ?? '',
      switchOn: (body: Record<string, unknown> = { toTeams: true, fromTeams: true, ...switches }) =>
        app.as(pbx.adminToken).patch(`${base}/teams-presence/settings`).send(body),
      callState: async (name: string, state: string) =>
        (
          await app
            .as(pbx.adminToken)
            .post(
              `/api/tenants/${pbx.tenant.id}/users/${pbxUsers.find((u) => u.email?.startsWith(`${name}@`))?.id}/call-state`,
            )
            .send({ state })
            .expect(200)
        ).body as {
          state: string;
          teams: { action: string; reason?: string; error?: Record<string, string> };
        },
      teams: (name: string) =>
        control.getUserPresence({ tenant: seeded.tenantId, user: ids.get(name) ?? '' }),
      setTeams: (name: string, availability: string, activity: string) =>
        control.setUserPresence({
          tenant: seeded.tenantId,
          user: ids.get(name) ?? '',
          availability,
          activity,
        }),
      clearTeams: (name: string) =>
        control.clearUserPresence({ tenant: seeded.tenantId, user: ids.get(name) ?? '' }),
      refresh: async () =>
        (await app.as(pbx.adminToken).post(`${base}/teams-presence/refresh`).expect(200)).body as {
          users: number;
          changed: number;
        },
      view: async () =>
        (await app.as(pbx.adminToken).get(`${base}/teams-presence/settings`).expect(200)).body as TeamsView,
    };
  }

  const statusOf = async (tenantId: string, userId: string) =>
    (await presence.getStatuses(tenantId, [userId])).get(userId)?.status;

  it('is off by default, validates its settings, and keeps tenants apart', async () => {
    const s = await scenario(t, ['alice']);
    expect(await s.view()).toMatchObject({
      toTeams: false,
      fromTeams: false,
      toTeamsUnavailable: null,
      fromTeamsUnavailable: null,
      mapping: { DoNotDisturb: 'DND', InACall: 'IN_A_MEETING', Away: 'AWAY' },
    });
    const bad = await s.switchOn({ pollIntervalSeconds: 10, mapping: { Away: 'GONE' } }).expect(400);
    expect((bad.body as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual([
      'pollIntervalSeconds',
    ]);
    const typo = await s.switchOn({ mapping: { Away: 'GONE' } }).expect(400);
    expect(typo.body).toMatchObject({ code: 'INVALID_INPUT', errors: [{ field: 'mapping.Away' }] });
    await s.switchOn().expect(200);
    expect(await s.view()).toMatchObject({ toTeams: true, fromTeams: true });
    const other = await scenario(t, []);
    await t.as(other.pbx.adminToken).get(`${s.base}/teams-presence/settings`).expect(403);
  });

  it('shows a PBX call in Teams with our session, keeps it alive, and clears it when the call ends', async () => {
    const s = await scenario(t, ['bob']);
    await s.switchOn().expect(200);
    expect((await s.callState('bob', 'ringing')).teams).toEqual({ action: 'unchanged' });
    expect((await s.callState('bob', 'on-call')).teams).toEqual({ action: 'set' });
    const during = s.teams('bob');
    expect(during).toMatchObject({ availability: 'Busy', activity: 'InACall' });
    const ours = during.sessions[s.clientId.toLowerCase()];
    expect(ours).toMatchObject({ availability: 'Busy', activity: 'InACall' });
    expect(Date.parse(ours?.expiresAt ?? '') - Date.now()).toBeGreaterThan(14 * 60_000);
    // The same state again costs no Graph call.
    m365.emulator.control.resetCounters();
    expect((await s.callState('bob', 'on-call')).teams).toEqual({ action: 'unchanged' });

    // Eleven minutes into the call, the tick renews the session before its 15 minutes run out.
    const scheduler = t.get(TeamsPresenceScheduler);
    await scheduler.tick();
    expect(m365.emulator.control.getCounters().byRoute[SET_PRESENCE]).toBeUndefined();
    m365.emulator.control.advanceClock({ minutes: 11 });
    clock.offsetMs = 11 * 60_000;
    await scheduler.tick();
    expect(m365.emulator.control.getCounters().byRoute[SET_PRESENCE]).toEqual({ '200': 1 });
    const renewed = s.teams('bob').sessions[s.clientId.toLowerCase()];
    expect(Date.parse(renewed?.expiresAt ?? '')).toBeGreaterThan(Date.parse(ours?.expiresAt ?? ''));

    expect((await s.callState('bob', 'idle')).teams).toEqual({ action: 'cleared' });
    expect(s.teams('bob')).toMatchObject({ availability: 'Offline', activity: 'Offline', sessions: {} });
  });

  it('shows a Teams presence set by hand as the PBX status after a poll, restores it after, never echoing it back', async () => {
    const s = await scenario(t, ['carol']);
    await s.switchOn().expect(200);
    const carol = s.pbxUserId('carol');
    s.setTeams('carol', 'DoNotDisturb', 'DoNotDisturb');
    expect(await s.refresh()).toMatchObject({ users: 1, changed: 1 });
    expect(await statusOf(s.pbx.tenant.id, carol)).toBe('DND');
    // The PBX reports its DND as a call state; it came from Teams, so no session of ours appears in Teams.
    await sleep(300);
    expect(Object.keys(s.teams('carol').sessions)).toEqual(['teams-client']);

    s.clearTeams('carol');
    expect(await s.refresh()).toMatchObject({ changed: 1 });
    expect(await statusOf(s.pbx.tenant.id, carol)).toBe('AVAILABLE');
  });

  it('does not bring our own Teams session back to the PBX, and a DND set by hand on the PBX shows in Teams', async () => {
    const s = await scenario(t, ['dave']);
    await s.switchOn().expect(200);
    const dave = s.pbxUserId('dave');
    await s.callState('dave', 'on-call');
    // Teams shows Busy/InACall (mapped to IN_A_MEETING by default), but it is our session: the PBX is left alone.
    expect(await s.refresh()).toMatchObject({ users: 1, changed: 0 });
    expect(await statusOf(s.pbx.tenant.id, dave)).toBe('AVAILABLE');
    await s.callState('dave', 'idle');

    await presence.setStatus(s.pbx.tenant.id, dave, 'DND');
    for (let i = 0; i < 30 && s.teams('dave').availability !== 'DoNotDisturb'; i++) await sleep(100);
    expect(s.teams('dave')).toMatchObject({ availability: 'DoNotDisturb', activity: 'Presenting' });
    expect(await s.refresh()).toMatchObject({ changed: 0 });
    expect(await statusOf(s.pbx.tenant.id, dave)).toBe('DND');
  });

  it('leaves a PBX status the user changed by hand, until Teams asks for something else', async () => {
    const s = await scenario(t, ['erin']);
    await s.switchOn().expect(200);
    const erin = s.pbxUserId('erin');
    s.setTeams('erin', 'Away', 'Away');
    await s.refresh();
    expect(await statusOf(s.pbx.tenant.id, erin)).toBe('AWAY');
    await presence.setStatus(s.pbx.tenant.id, erin, 'LUNCH');
    await s.refresh();
    expect(await statusOf(s.pbx.tenant.id, erin)).toBe('LUNCH');
    s.clearTeams('erin');
    await s.refresh();
    expect(await statusOf(s.pbx.tenant.id, erin)).toBe('LUNCH');
  });

  it("answers a missing permission with Microsoft's code, in the health and in the connection test", async () => {
    const s = await scenario(t, ['frank'], ['User.Read.All']);
    await s.switchOn().expect(200);
    const refused = await t.as(s.pbx.adminToken).post(`${s.base}/teams-presence/refresh`).expect(424);
    expect(refused.body).toMatchObject({
      code: 'PERMISSION_MISSING',
      microsoft: { status: 403, code: 'Forbidden', requestId: expect.any(String) },
    });
    const call = await s.callState('frank', 'on-call');
    expect(call.teams).toMatchObject({
      action: 'failed',
      error: { code: 'PERMISSION_MISSING', microsoftCode: 'Forbidden', requestId: expect.any(String) },
    });
    const health = (await t.as(s.pbx.adminToken).get(`${s.base}/health`).expect(200)).body as {
      feature: string;
      state: string;
      lastFailure: { code: string; microsoftCode?: string } | null;
    }[];
    expect(health.find((h) => h.feature === 'TEAMS_PRESENCE')).toMatchObject({
      state: 'DEGRADED',
      lastFailure: { code: 'PERMISSION_MISSING', microsoftCode: 'Forbidden' },
    });
    const test = await t.as(s.pbx.adminToken).post(`${s.base}/connection-test`).expect(200);
    const features = (test.body as { features: { feature: string; missingPermissions: string[] }[] })
      .features;
    expect(
      features.filter((f) => f.feature.endsWith('Presence') && f.feature !== 'calendarPresence'),
    ).toEqual([
      expect.objectContaining({
        feature: 'pbxToTeamsPresence',
        missingPermissions: ['Presence.ReadWrite.All'],
      }),
      expect.objectContaining({ feature: 'teamsToPbxPresence', missingPermissions: ['Presence.Read.All'] }),
    ]);
  });

  it('is not offered in 21Vianet: the view says so and switching it on there is refused', async () => {
    const s = await scenario(t, []);
    await s.switchOn({ fromTeams: true }).expect(200);
    const move = await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/settings`)
      .send({ cloud: 'CHINA' })
      .expect(400);
    expect(move.body).toMatchObject({ code: 'INVALID_INPUT', errors: [{ field: 'cloud' }] });
    await s.switchOn({ fromTeams: false }).expect(200);
    await t.as(s.pbx.adminToken).patch(`${s.base}/settings`).send({ cloud: 'CHINA' }).expect(200);
    expect(await s.view()).toMatchObject({
      toTeams: false,
      fromTeams: false,
      toTeamsUnavailable: expect.stringContaining('21Vianet'),
      fromTeamsUnavailable: expect.stringContaining('21Vianet'),
    });
    const refused = await s.switchOn({ toTeams: true }).expect(400);
    expect(refused.body).toMatchObject({
      statusCode: 400,
      code: 'INVALID_INPUT',
      errors: [{ field: 'toTeams', reasons: [expect.stringContaining('21Vianet')] }],
    });
    const viaFeatures = await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/settings`)
      .send({ features: { teamsToPbxPresence: true } })
      .expect(400);
    expect(viaFeatures.body).toMatchObject({ errors: [{ field: 'features.teamsToPbxPresence' }] });
  });
});

describe('Microsoft 365 Teams presence on a PBX without call states', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;

  beforeAll(async () => {
    m365 = await startEmulatedMicrosoft365({ users: 2, groupDepth: 0, departments: 0 });
    t = await createTestApp({
      microsoft365: { ...m365.moduleOptions, notifications: { tickSeconds: 0 } },
      // A PBX that lacks the concept does not provide the optional port.
      override: (builder) => builder.overrideProvider(PBX_CALL_STATES).useValue(null),
    });
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
  });

  it('reports PBX → Teams unavailable and refuses it, while Teams → PBX can be used', async () => {
    const pbx = await t.createTenantWithAdmin();
    const base = await connectTenant(t, m365, pbx, { permissions: PRESENCE_PERMISSIONS });
    const view = await t.as(pbx.adminToken).get(`${base}/teams-presence/settings`).expect(200);
    expect(view.body).toMatchObject({
      toTeams: false,
      toTeamsUnavailable: expect.stringContaining('call states'),
      fromTeamsUnavailable: null,
    });
    const refused = await t
      .as(pbx.adminToken)
      .patch(`${base}/teams-presence/settings`)
      .send({ toTeams: true })
      .expect(400);
    expect(refused.body).toMatchObject({ code: 'INVALID_INPUT', errors: [{ field: 'toTeams' }] });
    await t
      .as(pbx.adminToken)
      .patch(`${base}/settings`)
      .send({ features: { pbxToTeamsPresence: true } })
      .expect(400);
    await t.as(pbx.adminToken).patch(`${base}/teams-presence/settings`).send({ fromTeams: true }).expect(200);
  });
});
