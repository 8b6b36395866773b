import { randomUUID } from 'node:crypto';
import { createTrustingAgent } from '@pbx/m365-emulator';
import { type Clock, PBX_PRESENCE, type PbxPresencePort } from '@pbx/microsoft365';
import { TeamsPresenceScheduler } from '@pbx/microsoft365/teams-presence/teams-presence.scheduler';
import { createTestApp, type TenantWithAdmin, type TestApp } from '@pbx/test/support/create-test-app';
import {
  connectTenant,
  type EmulatedMicrosoft365,
  startEmulatedMicrosoft365,
} from '@pbx/test/support/microsoft365-test-env';
import { type Dispatcher, fetch } from 'undici';

/** The module's clock: real time plus an offset the test moves. */
class MovableClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const PASSWORD = 'Service-account-1';
const PRESENCE_PERMISSIONS = ['User.Read.All', 'Presence.Read.All'];
const GET_PRESENCES = 'POST /v1.0/communications/getPresencesByUserId';

interface StatusView {
  changeNotifications: string;
  changeNotificationsStatus: {
    state: string;
    reason: string | null;
    serviceAccount: { upn: string; failure: { microsoftCode: string } | null } | null;
    redirectUri: string;
    subscriptions: number;
    safetyPollIntervalSeconds: number;
  };
}

/**
 * Issue 19, part 1: Teams presence → PBX by change notifications through a service account the admin signs in
 * once (the real authorization code flow through the emulator's sign-in page), the emulator posting to the PBX
 * over HTTP, and polling taking over when Entra refuses the account.
 */
describe('Microsoft 365 Teams presence change notifications (service account, emulator, real PostgreSQL)', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  let presence: PbxPresencePort;
  let agent: Dispatcher;
  const clock = new MovableClock();
  let scenarios = 0;

  beforeAll(async () => {
    m365 = await startEmulatedMicrosoft365({ users: 0, groupDepth: 0, departments: 0 });
    agent = createTrustingAgent(m365.emulator.caPem);
    t = await createTestApp({
      listen: true,
      microsoft365: { ...m365.moduleOptions, clock, notifications: { tickSeconds: 0 } },
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

  async function scenario(names: string[]) {
    scenarios++;
    const seeded = await m365.emulator.control.seed({
      seed: `teams-notify-${scenarios}`,
      tenantId: randomUUID(),
      domain: `teamsnotify${scenarios}.onmicrosoft.com`,
      users: 0,
      departments: 0,
      groupDepth: 0,
      app: { permissions: PRESENCE_PERMISSIONS },
    });
    const clientId = seeded.clientId ?? '';
    const pbx: TenantWithAdmin = await t.createTenantWithAdmin();
    const base = await connectTenant(t, { ...m365, seeded: { ...seeded, clientId } }, pbx);
    await t.as(pbx.adminToken).patch(`${base}/notifications`).send({ enabled: false }).expect(200);
    const ids = new Map<string, string>();
    for (const name of [...names, 'presence-service']) {
      const user = m365.emulator.control.addUser({
        tenant: seeded.tenantId,
        user: {
          id: randomUUID(),
          userPrincipalName: `${name}@${seeded.domain}`,
          displayName: `${name} Example`,
          givenName: name,
          surname: 'Example',
          mail: `${name}@${seeded.domain}`,
          password: PASSWORD,
        },
      });
      ids.set(name, user.id);
    }
    const started = await t.as(pbx.adminToken).post(`${base}/user-sync/runs`).send({}).expect(202);
    for (let i = 0; i < 200; i++) {
      const run = await t
        .as(pbx.adminToken)
        .get(`${base}/user-sync/runs/${(started.body as { id: string }).id}`);
      if ((run.body as { status: string }).status !== 'RUNNING') break;
      await sleep(50);
    }
    const page = await t.as(pbx.adminToken).get(`/api/tenants/${pbx.tenant.id}/users?limit=200`).expect(200);
    const pbxUsers = (page.body as { items: { id: string; email: string | null }[] }).items;
    const view = async () =>
      (await t.as(pbx.adminToken).get(`${base}/teams-presence/settings`).expect(200)).body as StatusView;
    return {
      pbx,
      base,
      seeded,
      view,
      pbxUserId: (name: string) => pbxUsers.find((u) => u.email?.startsWith(`${name}@`))?.id ?? '',
      setTeams: (name: string, availability: string, activity: string) =>
        m365.emulator.control.setUserPresence({
          tenant: seeded.tenantId,
          user: ids.get(name) ?? '',
          availability,
          activity,
        }),
      /** What the admin does: starts the sign-in, registers the redirect URI, signs the account in in a browser. */
      signInServiceAccount: async () => {
        const redirectUri = (await view()).changeNotificationsStatus.redirectUri;
        m365.emulator.control.updateApp({ tenant: seeded.tenantId, clientId, redirectUris: [redirectUri] });
        const started = await t
          .as(pbx.adminToken)
          .post(`${base}/teams-presence/service-account/sign-in`)
          .expect(200);
        const authorize = String((started.body as { authorizationUrl: string }).authorizationUrl);
        expect(new URL(authorize).searchParams.get('code_challenge_method')).toBe('S256');
        const pageText = await (await fetch(authorize, { dispatcher: agent, redirect: 'manual' })).text();
        const ctx = /name="ctx" id="ctx" value="([^"]+)"/.exec(pageText)?.[1] ?? '';
        const action = /id="signInForm" name="f1" method="post" action="([^"]+)"/.exec(pageText)?.[1] ?? '';
        const posted = await fetch(`${m365.emulator.baseUrl}${action}`, {
          method: 'POST',
          body: new URLSearchParams({
            ctx,
            loginfmt: `presence-service@${seeded.domain}`,
            passwd: PASSWORD,
          }),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          dispatcher: agent,
          redirect: 'manual',
        });
        const html = await posted.text();
        const target = /<form method="POST" name="hiddenform" action="([^"]+)">/.exec(html)?.[1] ?? '';
        expect(target).toBe(redirectUri);
        const form = Object.fromEntries(
          [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)" \/>/g)].map((m) => [
            m[1] ?? '',
            (m[2] ?? '').replace(/&amp;/g, '&'),
          ]),
        );
        const back = await fetch(target, {
          method: 'POST',
          body: new URLSearchParams(form),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        return { status: back.status, text: await back.text() };
      },
    };
  }

  const statusOf = async (tenantId: string, userId: string) =>
    (await presence.getStatuses(tenantId, [userId])).get(userId)?.status;

  it('signs the service account in once, subscribes, and a Teams change reaches the PBX without waiting for a poll', async () => {
    const s = await scenario(['alice', 'bob']);
    await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/teams-presence/settings`)
      .send({ fromTeams: true, changeNotifications: 'serviceAccount', pollIntervalSeconds: 3600 })
      .expect(200);
    expect((await s.view()).changeNotificationsStatus).toMatchObject({
      state: 'polling',
      reason: 'No service account is signed in',
      serviceAccount: null,
    });
    const signedIn = await s.signInServiceAccount();
    expect(signedIn.status).toBe(200);
    expect(signedIn.text).toContain(`presence-service@${s.seeded.domain}`);
    const scheduler = t.get(TeamsPresenceScheduler);
    await scheduler.tick();
    const view = await s.view();
    expect(view.changeNotificationsStatus).toMatchObject({
      state: 'active',
      reason: null,
      serviceAccount: { upn: `presence-service@${s.seeded.domain}`, failure: null },
      subscriptions: 1,
      safetyPollIntervalSeconds: 3600,
    });
    // Never a token in the view.
    expect(JSON.stringify(view)).not.toMatch(/refresh|access_token|eyJ/i);
    const subscriptions = m365.emulator.control.listSubscriptions({ tenant: s.seeded.tenantId }) as {
      resource: string;
    }[];
    expect(subscriptions).toEqual([
      expect.objectContaining({
        resource: expect.stringContaining('/communications/presences?$filter=id in ('),
      }),
    ]);

    // The poll interval is an hour: only the notification can bring Alice's Do not disturb within seconds.
    m365.emulator.control.resetCounters();
    s.setTeams('alice', 'DoNotDisturb', 'DoNotDisturb');
    await m365.emulator.control.flushNotifications();
    const alice = s.pbxUserId('alice');
    for (let i = 0; i < 50 && (await statusOf(s.pbx.tenant.id, alice)) !== 'DND'; i++) await sleep(100);
    expect(await statusOf(s.pbx.tenant.id, alice)).toBe('DND');
    expect(await statusOf(s.pbx.tenant.id, s.pbxUserId('bob'))).toBe('AVAILABLE');
    expect(m365.emulator.control.getCounters().byRoute[GET_PRESENCES]).toEqual({ '200': 1 });

    // Signing out stops the notifications' use: polling only.
    await t.as(s.pbx.adminToken).delete(`${s.base}/teams-presence/service-account`).expect(204);
    await scheduler.tick();
    expect((await s.view()).changeNotificationsStatus).toMatchObject({ state: 'polling', subscriptions: 0 });
  });

  it("falls back to polling when Entra refuses the account, with Microsoft's code in the health", async () => {
    const s = await scenario(['carol']);
    await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/teams-presence/settings`)
      .send({ fromTeams: true, changeNotifications: 'serviceAccount', pollIntervalSeconds: 60 })
      .expect(200);
    expect((await s.signInServiceAccount()).status).toBe(200);
    const scheduler = t.get(TeamsPresenceScheduler);
    await scheduler.tick();
    expect((await s.view()).changeNotificationsStatus.state).toBe('active');

    // The admin revokes the account's sessions in Entra; at the next renewal (40 minutes on) Entra refuses it.
    m365.emulator.control.revokeSignInSessions({
      tenant: s.seeded.tenantId,
      user: `presence-service@${s.seeded.domain}`,
    });
    clock.offsetMs = 40 * 60_000;
    await scheduler.tick();
    const health = (await t.as(s.pbx.adminToken).get(`${s.base}/health`).expect(200)).body as {
      feature: string;
      state: string;
      lastFailure: { microsoftCode?: string; action?: string } | null;
    }[];
    expect(health.find((h) => h.feature === 'TEAMS_PRESENCE')).toMatchObject({
      state: 'DEGRADED',
      lastFailure: {
        microsoftCode: 'AADSTS50173',
        action: expect.stringContaining('Sign the service account in again'),
      },
    });
    expect((await s.view()).changeNotificationsStatus).toMatchObject({
      state: 'polling',
      serviceAccount: { failure: { microsoftCode: 'AADSTS50173' } },
      subscriptions: 0,
    });

    // Polling took over at the admin's interval: Carol's change shows after the next poll.
    s.setTeams('carol', 'Away', 'Away');
    clock.offsetMs += 61_000;
    await scheduler.tick();
    expect(await statusOf(s.pbx.tenant.id, s.pbxUserId('carol'))).toBe('AWAY');
  });

  it('refuses change notifications and the service account sign-in in 21Vianet', async () => {
    const s = await scenario([]);
    await t.as(s.pbx.adminToken).patch(`${s.base}/settings`).send({ cloud: 'CHINA' }).expect(200);
    const refused = await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/teams-presence/settings`)
      .send({ changeNotifications: 'serviceAccount' })
      .expect(400);
    expect(refused.body).toMatchObject({
      statusCode: 400,
      code: 'INVALID_INPUT',
      errors: [{ field: 'changeNotifications', reasons: [expect.stringContaining('21Vianet')] }],
    });
    const signIn = await t
      .as(s.pbx.adminToken)
      .post(`${s.base}/teams-presence/service-account/sign-in`)
      .expect(400);
    expect(signIn.body).toMatchObject({ code: 'INVALID_INPUT', errors: [{ field: 'cloud' }] });
  });
});
