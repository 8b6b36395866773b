import { type TestApp } from '@pbx/test/support/create-test-app';
import {
  createDirectoryScenario,
  type DirectoryScenario as Scenario,
  FAST_GRAPH_RETRIES,
  resetEmulatorFaults,
  runToEnd,
  startSyncTestApp,
} from '@pbx/test/support/directory-scenario';
import { type EmulatedMicrosoft365 } from '@pbx/test/support/microsoft365-test-env';

interface RunBody {
  id: string;
  status: string;
  counts: Record<string, number>;
  error: { code: string; message: string; action?: string } | null;
}

interface ConnectionReport {
  ok: boolean;
  grantedPermissions: string[];
  features: { feature: string; ok: boolean; missingPermissions: string[] }[];
}

/**
 * Issue 16: authentication heals itself. A token Graph refuses (revoked under continuous access evaluation) is
 * replaced once, and the connection test never reports from a cached token.
 */
describe('Self-healing Graph authentication (emulator over HTTPS, real PostgreSQL)', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  let scenarios = 0;

  beforeAll(async () => {
    ({ m365, t } = await startSyncTestApp({ graphRetries: FAST_GRAPH_RETRIES }));
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
  });

  afterEach(() => resetEmulatorFaults(m365));

  async function scenario(
    permissions: string[],
    tenantSettings?: Record<string, unknown>,
  ): Promise<Scenario> {
    scenarios++;
    return createDirectoryScenario(t, m365, {
      seed: `self-healing-${scenarios}`,
      domain: `healing${scenarios}.onmicrosoft.com`,
      permissions,
      tenantSettings,
    });
  }

  /** Requests the emulator answered since the last reset, by status, on routes matching `match`. */
  const answered = (match: (route: string) => boolean, status: number): number =>
    Object.entries(m365.emulator.control.getCounters().byRoute)
      .filter(([route]) => match(route))
      .reduce((sum, [, statuses]) => sum + (statuses[String(status)] ?? 0), 0);
  const isToken = (route: string) => route.includes('/oauth2/v2.0/token');
  const isGraph = (route: string) => route.includes(' /v1.0/');

  it('a token revoked by Entra (claims challenge) is replaced once and the run succeeds', async () => {
    const s = await scenario(['User.Read.All']);
    s.add('alice');
    expect((await runToEnd<RunBody>(t, s, 'user-sync')).status).toBe('SUCCEEDED');
    s.add('bob');
    m365.emulator.control.resetCounters();

    const { revokedTokens } = m365.emulator.control.revokeAppTokens({
      tenant: s.directoryId,
      clientId: s.clientId,
    });
    expect(revokedTokens).toBeGreaterThan(0);
    const second = await runToEnd<RunBody>(t, s, 'user-sync');

    expect(second).toMatchObject({ status: 'SUCCEEDED', error: null });
    expect(second.counts['created']).toBe(1);
    expect(answered(isGraph, 401)).toBe(1);
    expect(answered(isToken, 200)).toBe(1);
  });

  it('the connection test shows a permission granted after it failed, at once', async () => {
    const s = await scenario(['User.Read.All'], { features: { personalContacts: true } });
    const test = async () =>
      (await t.as(s.pbx.adminToken).post(`${s.base}/connection-test`).expect(200)).body as ConnectionReport;
    const contacts = (report: ConnectionReport) =>
      report.features.find((feature) => feature.feature === 'personalContacts');

    const before = await test();
    expect(contacts(before)).toMatchObject({ ok: false, missingPermissions: ['Contacts.Read'] });
    // A Graph call in between keeps MSAL's cached token warm, as a sync would.
    await runToEnd<RunBody>(t, s, 'user-sync');

    m365.emulator.control.grantPermissions({
      tenant: s.directoryId,
      clientId: s.clientId,
      permissions: ['Contacts.Read'],
    });
    const after = await test();
    expect(after.grantedPermissions).toContain('Contacts.Read');
    expect(contacts(after)).toMatchObject({ ok: true, missingPermissions: [] });
  });
});
