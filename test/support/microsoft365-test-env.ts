import { type Clock, type Microsoft365ModuleOptions } from '@pbx/microsoft365';
import { M365Emulator, type SeedOptions, type SeedResult } from '@pbx/m365-emulator';

/** The module's clock in tests: real time plus an offset the test moves. */
export class TestClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advanceDays(days: number): void {
    this.offsetMs += days * 24 * 3600 * 1000;
  }

  advanceMs(ms: number): void {
    this.offsetMs += ms;
  }

  reset(): void {
    this.offsetMs = 0;
  }
}

export interface EmulatedMicrosoft365 {
  emulator: M365Emulator;
  seeded: SeedResult & { clientId: string };
  clock: TestClock;
  /** Module options that point the module at the emulator, as a corporate gateway would be configured. */
  moduleOptions: Partial<Microsoft365ModuleOptions>;
  close(): Promise<void>;
}

/** Starts the emulator with a seeded tenant and an app registration, ready for a PBX tenant to connect to. */
export async function startEmulatedMicrosoft365(
  seed: Partial<SeedOptions> = {},
): Promise<EmulatedMicrosoft365> {
  const emulator = await M365Emulator.start({ port: 0, seed: 7 });
  const seeded = await emulator.control.seed({
    users: 25,
    departments: 3,
    groupDepth: 1,
    seed: 7,
    app: { permissions: [] },
    ...seed,
  });
  if (!seeded.clientId) throw new Error('the seed registered no app');
  const clock = new TestClock();
  return {
    emulator,
    seeded: { ...seeded, clientId: seeded.clientId },
    clock,
    moduleOptions: {
      endpoints: { authorityBaseUrl: emulator.baseUrl, graphBaseUrl: emulator.baseUrl },
      trustedCaPem: [emulator.caPem],
      clock,
      // Workers look for due jobs twice a second (the least pg-boss allows), and a closing app waits briefly.
      jobs: { pollingIntervalSeconds: 0.5, drainTimeoutSeconds: 5 },
      // Tests sign in far more often than people; the rate limit tests set their own low limits.
      rateLimits: {
        signIn: { limit: 100_000, windowSeconds: 60 },
        signInFailures: { limit: 100_000, windowSeconds: 60 },
        codeExchange: { limit: 100_000, windowSeconds: 60 },
        notifications: { limit: 100_000, windowSeconds: 60 },
      },
    },
    close: () => emulator.close(),
  };
}

/** The minimum of the test app that `connectTenant` drives. */
export interface AdminDriver {
  as(token: string): {
    patch(url: string): { send(body: object): { expect(status: number): Promise<{ body: unknown }> } };
    post(url: string): { expect(status: number): Promise<{ text: string }> };
  };
}

/** The Entra side of connecting: the app registration's certificate upload and admin consent. */
export interface AppRegistrationDriver {
  addCertificate(pem: string): unknown;
  grantPermissions(permissions: string[]): unknown;
}

/**
 * What a PBX admin does to connect a tenant, end to end: settings, "generate a new key pair", upload of
 * public_key.pem in the Entra portal (`registration`), admin consent for `permissions`. Returns the module's base
 * URL for the tenant.
 */
export async function connectTenantTo(
  app: AdminDriver,
  directory: { tenantId: string; clientId: string },
  registration: AppRegistrationDriver,
  tenant: { tenant: { id: string }; adminToken: string },
  options: { permissions?: string[]; settings?: Record<string, unknown> } = {},
): Promise<string> {
  const base = `/api/microsoft365/tenants/${tenant.tenant.id}`;
  await app
    .as(tenant.adminToken)
    .patch(`${base}/settings`)
    .send({
      applicationId: directory.clientId,
      directoryId: directory.tenantId,
      enabled: true,
      ...options.settings,
    })
    .expect(200);
  const pem = (await app.as(tenant.adminToken).post(`${base}/certificates`).expect(201)).text;
  await registration.addCertificate(pem);
  if (options.permissions?.length) await registration.grantPermissions(options.permissions);
  return base;
}

/** {@link connectTenantTo} the in-process emulator's seeded tenant and app. */
export async function connectTenant(
  app: AdminDriver,
  m365: EmulatedMicrosoft365,
  tenant: { tenant: { id: string }; adminToken: string },
  options: { permissions?: string[]; settings?: Record<string, unknown> } = {},
): Promise<string> {
  const target = { tenant: m365.seeded.tenantId, clientId: m365.seeded.clientId };
  return connectTenantTo(
    app,
    { tenantId: m365.seeded.tenantId, clientId: m365.seeded.clientId },
    {
      addCertificate: (pem) => m365.emulator.control.addCertificate({ ...target, pem }),
      grantPermissions: (permissions) => m365.emulator.control.grantPermissions({ ...target, permissions }),
    },
    tenant,
    options,
  );
}
