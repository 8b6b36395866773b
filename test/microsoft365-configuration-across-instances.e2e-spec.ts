import { JobQueue } from '@pbx/microsoft365/jobs/job-queue';
import {
  createAnotherInstance,
  createTestApp,
  type TenantWithAdmin,
  type TestApp,
} from '@pbx/test/support/create-test-app';
import {
  type EmulatedMicrosoft365,
  startEmulatedMicrosoft365,
} from '@pbx/test/support/microsoft365-test-env';
import { randomUUID } from 'node:crypto';

/**
 * Two PBX instances on one database, as behind a load balancer: a tenant's connection changed through one of them
 * (another Entra directory and app) is what the other one's next Graph call uses. Each instance keeps a resolved
 * token per tenant (a minute); a change notified by PostgreSQL drops it at once, so the other instance never reads
 * the old directory after the admin moved away from it.
 */
describe('Microsoft 365 app-only tokens after a configuration change through another PBX instance', () => {
  let m365: EmulatedMicrosoft365;
  let first: TestApp;
  let second: TestApp;
  let tenant: TenantWithAdmin;
  const directories: { tenantId: string; clientId: string; domain: string }[] = [];

  const base = () => `/api/microsoft365/tenants/${tenant.tenant.id}`;
  /** The domains of the users the directory picker lists through an instance. */
  const listedDomains = async (through: TestApp): Promise<string[]> => {
    const response = await through.as(tenant.adminToken).get(`${base()}/directory/users`).expect(200);
    const users = (response.body as { items: { userPrincipalName: string | null }[] }).items;
    return [...new Set(users.map((user) => (user.userPrincipalName ?? '').split('@')[1] ?? ''))];
  };
  const connectTo = (directory: { tenantId: string; clientId: string }) =>
    first
      .as(tenant.adminToken)
      .patch(`${base()}/settings`)
      .send({ applicationId: directory.clientId, directoryId: directory.tenantId, enabled: true })
      .expect(200);

  beforeAll(async () => {
    m365 = await startEmulatedMicrosoft365();
    for (const name of ['contoso', 'fabrikam']) {
      const domain = `${name}-${randomUUID().slice(0, 8)}.onmicrosoft.com`;
      const seeded = await m365.emulator.control.seed({
        seed: name,
        tenantId: randomUUID(),
        domain,
        users: 3,
        departments: 0,
        groupDepth: 0,
        app: { permissions: ['User.Read.All'] },
      });
      directories.push({ tenantId: seeded.tenantId, clientId: seeded.clientId ?? '', domain });
    }
    first = await createTestApp({ microsoft365: m365.moduleOptions });
    second = await createAnotherInstance(first, { microsoft365: m365.moduleOptions });
    await second.get(JobQueue).stopWorking();
    tenant = await first.createTenantWithAdmin(await first.loginAsSystemAdmin());
    const [contoso, fabrikam] = directories;
    if (!contoso || !fabrikam) throw new Error('two directories expected');
    await connectTo(contoso);
    // One key pair, its certificate uploaded to both directories' app registrations.
    const pem = (await first.as(tenant.adminToken).post(`${base()}/certificates`).expect(201)).text;
    for (const directory of directories) {
      m365.emulator.control.addCertificate({ tenant: directory.tenantId, clientId: directory.clientId, pem });
    }
  });

  afterAll(async () => {
    await second?.close();
    await first?.close();
    await m365?.close();
  });

  it('reads the new directory through the other instance right after the admin switched to it', async () => {
    const [contoso, fabrikam] = directories;
    if (!contoso || !fabrikam) throw new Error('two directories expected');
    // The second instance holds a token of the first directory now.
    expect(await listedDomains(second)).toEqual([contoso.domain]);

    await connectTo(fabrikam);

    // PostgreSQL delivers the notification after the commit: the instance hears it within moments, far sooner
    // than its token would expire from its cache (a minute).
    let domains: string[] = [];
    for (const started = Date.now(); Date.now() - started < 5_000;) {
      domains = await listedDomains(second);
      if (domains[0] !== contoso.domain) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(domains).toEqual([fabrikam.domain]);
    expect(await listedDomains(first)).toEqual([fabrikam.domain]);
  });
});
