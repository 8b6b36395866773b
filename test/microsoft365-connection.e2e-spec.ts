import { MikroOrmModule } from '@mikro-orm/nestjs';
import { ScheduleModule } from '@nestjs/schedule';
import { Test as NestTest } from '@nestjs/testing';
import { microsoft365Options } from '@pbx/host/app.module';
import { type HostConfig } from '@pbx/host/config/host-config';
import { HostConfigModule } from '@pbx/host/config/host-config.module';
import { createOrmOptions } from '@pbx/host/database/orm-options';
import { prepareHost } from '@pbx/host/host-startup';
import { HostPortsModule } from '@pbx/host/microsoft365/host-ports.module';
import { AppTokenProvider } from '@pbx/microsoft365/graph/app-token.provider';
import { GraphApi } from '@pbx/microsoft365/graph/graph-api.service';
import { CLOUD_ENDPOINTS } from '@pbx/microsoft365/graph/microsoft365-clouds';
import { TenantTokenService } from '@pbx/microsoft365/graph/tenant-token.service';
import { KeyExpiryMonitor } from '@pbx/microsoft365/keys/key-expiry-monitor.service';
import { KeyManagementService } from '@pbx/microsoft365/keys/key-management.service';
import { SecretBox } from '@pbx/microsoft365/keys/secret-box.service';
import {
  ServiceAccountEntity,
  serviceAccountCacheContext,
} from '@pbx/microsoft365/teams-presence/service-account.entity';
import { TenantSettingsService } from '@pbx/microsoft365/settings/tenant-settings.service';
import {
  type Microsoft365Event,
  Microsoft365Events,
  ExpiryWarningLevel,
  MasterKeyRotationService,
  Microsoft365Cloud,
  Microsoft365Module,
} from '@pbx/microsoft365';
import { createTestApp, type TestApp, type TenantWithAdmin } from '@pbx/test/support/create-test-app';
import { ensureWorkerDatabase } from '@pbx/test/support/test-database';
import {
  type EmulatedMicrosoft365,
  startEmulatedMicrosoft365,
} from '@pbx/test/support/microsoft365-test-env';
import { decodeJwt } from 'jose';
import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Issue 4: an admin connects a PBX tenant to an (emulated) Microsoft 365 tenant over real HTTPS, as the vendor
 * guides walk through: ids, key pair, upload, permissions, connection test; then rotation and expiry.
 */
/** The parts of the connection-test answer the tests read. */
interface ConnectionReport {
  ok: boolean;
  tokenAcquired: boolean;
  features: { feature: string; [key: string]: unknown }[];
  problems: { code: string; action: string }[];
  warnings: { code: string; message: string; action?: string }[];
  [key: string]: unknown;
}

describe('Microsoft 365 connection: settings, certificates, Graph authentication', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  let system: string;
  let tenantA: TenantWithAdmin;
  let tenantB: TenantWithAdmin;
  const captured: string[] = [];
  const responses: string[] = [];
  const restore: (() => void)[] = [];

  const base = (tenant: TenantWithAdmin) => `/api/microsoft365/tenants/${tenant.tenant.id}`;
  const asA = () => t.as(tenantA.adminToken);

  async function configure(tenant: TenantWithAdmin, overrides: Record<string, unknown> = {}) {
    const response = await t
      .as(tenant.adminToken)
      .patch(`${base(tenant)}/settings`)
      .send({
        applicationId: m365.seeded.clientId,
        directoryId: m365.seeded.tenantId,
        enabled: true,
        ...overrides,
      })
      .expect(200);
    responses.push(response.text);
    return response.body as Record<string, unknown>;
  }

  async function generate(tenant: TenantWithAdmin): Promise<string> {
    const response = await t
      .as(tenant.adminToken)
      .post(`${base(tenant)}/certificates`)
      .expect(201);
    responses.push(response.text);
    expect(response.headers['content-type']).toContain('application/x-pem-file');
    expect(response.headers['content-disposition']).toBe('attachment; filename="public_key.pem"');
    expect(response.text).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n?$/);
    return response.text;
  }

  /** What the admin does in the Entra portal: Certificates & secrets → Upload certificate. */
  const upload = (pem: string) =>
    m365.emulator.control.addCertificate({
      tenant: m365.seeded.tenantId,
      clientId: m365.seeded.clientId,
      pem,
    });
  const grant = (...permissions: string[]) =>
    m365.emulator.control.grantPermissions({
      tenant: m365.seeded.tenantId,
      clientId: m365.seeded.clientId,
      permissions,
    });
  const revokeAll = () => {
    const app = m365.emulator.control.getApp({
      tenant: m365.seeded.tenantId,
      clientId: m365.seeded.clientId,
    });
    m365.emulator.control.revokePermissions({
      tenant: m365.seeded.tenantId,
      clientId: m365.seeded.clientId,
      permissions: app.permissions,
    });
  };

  const countRequests = (match: (route: string) => boolean) =>
    Object.entries(m365.emulator.control.getCounters().byRoute)
      .filter(([route]) => match(route))
      .reduce((sum, [, statuses]) => sum + Object.values(statuses).reduce((a, b) => a + b, 0), 0);
  const tokenRequests = () => countRequests((route) => route.includes('/oauth2/v2.0/token'));
  const graphRequests = () => countRequests((route) => route.includes(' /v1.0/'));

  async function connectionTest(tenant: TenantWithAdmin) {
    const response = await t
      .as(tenant.adminToken)
      .post(`${base(tenant)}/connection-test`)
      .expect(200);
    responses.push(response.text);
    return response.body as ConnectionReport;
  }

  beforeAll(async () => {
    // Everything the process prints is kept, to prove no secret is ever logged.
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      stream.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
        captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
        return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
      };
      restore.push(() => (stream.write = original));
    }
    m365 = await startEmulatedMicrosoft365();
    t = await createTestApp({
      microsoft365: m365.moduleOptions,
      logLevels: ['log', 'error', 'warn', 'debug', 'verbose'],
    });
    system = await t.loginAsSystemAdmin();
    tenantA = await t.createTenantWithAdmin(system);
    tenantB = await t.createTenantWithAdmin(system);
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
    restore.forEach((undo) => undo());
  });

  it('shows an unconfigured tenant with the redirect URIs to paste into Entra', async () => {
    const response = await asA()
      .get(`${base(tenantA)}/settings`)
      .expect(200);
    expect(response.body).toMatchObject({
      pbxTenantId: tenantA.tenant.id,
      enabled: false,
      applicationId: null,
      directoryId: null,
      cloud: 'GLOBAL',
      redirectUris: ['http://pbx.test/api/microsoft365/sso/callback'],
      activeCertificate: null,
      pendingCertificate: null,
    });
    expect((response.body as { warnings: { code: string }[] }).warnings.map((w) => w.code)).toEqual([
      'INCOMPLETE',
      'NO_CERTIFICATE',
    ]);
  });

  it('connects: ids, key pair, upload, permissions, green connection test', async () => {
    const settings = await configure(tenantA);
    expect(settings).toMatchObject({
      enabled: true,
      applicationId: m365.seeded.clientId,
      directoryId: m365.seeded.tenantId,
    });

    const pem = await generate(tenantA);
    const view = (
      await asA()
        .get(`${base(tenantA)}/settings`)
        .expect(200)
    ).body;
    expect(view.activeCertificate).toMatchObject({
      status: 'active',
      subject: `CN=PBX tenant ${tenantA.tenant.id}`,
      thumbprintSha1: expect.stringMatching(/^[0-9A-F]{40}$/),
      thumbprintSha256: expect.stringMatching(/^[0-9A-F]{64}$/),
      daysUntilExpiry: 364,
    });
    const download = await asA()
      .get(`${base(tenantA)}/certificates/active/public_key.pem`)
      .expect(200);
    expect(download.text).toBe(pem);

    // Entra shows the same thumbprint as the PBX: the admin can check they uploaded the right file.
    expect(upload(pem).thumbprintSha256Hex.toUpperCase()).toBe(view.activeCertificate.thumbprintSha256);
    grant('User.Read.All');

    const report = await connectionTest(tenantA);
    expect(report).toMatchObject({
      ok: true,
      tokenAcquired: true,
      graphReachable: true,
      grantedPermissions: ['User.Read.All'],
      problems: [],
      actions: [],
    });
    expect(report.features.find((f) => f.feature === 'userSync')).toMatchObject({
      enabled: true,
      ok: true,
      missingPermissions: [],
    });
  });

  it('lists every missing permission of the enabled features, with what to do in Entra', async () => {
    await configure(tenantA, { features: { photos: true, mail: true, personalContacts: true } });
    const report = await connectionTest(tenantA);
    expect(report.ok).toBe(false);
    expect(report.tokenAcquired).toBe(true);
    const byFeature = Object.fromEntries(report.features.map((f) => [f.feature, f]));
    expect(byFeature.photos).toMatchObject({ enabled: true, ok: true });
    expect(byFeature.mail).toMatchObject({
      enabled: true,
      ok: false,
      missingPermissions: ['Mail.Send'],
    });
    expect(byFeature.personalContacts).toMatchObject({
      enabled: true,
      ok: false,
      missingPermissions: ['Contacts.Read'],
    });
    expect(byFeature.calendarPresence).toMatchObject({
      enabled: false,
      ok: false,
      missingPermissions: ['Calendars.Read'],
    });
    expect(report.problems).toEqual([
      expect.objectContaining({
        code: 'PERMISSION_MISSING',
        message: expect.stringContaining('Contacts.Read, Mail.Send'),
        action: expect.stringContaining('Grant admin consent'),
      }),
    ]);
    await configure(tenantA, { features: { photos: false, mail: false, personalContacts: false } });
  });

  it('reports mail with only Mail.Send as working, with a warning that large attachments need Mail.ReadWrite', async () => {
    await configure(tenantA, { features: { mail: true } });
    grant('Mail.Send');
    try {
      const report = await connectionTest(tenantA);
      expect(report).toMatchObject({ ok: true, problems: [] });
      expect(report.features.find((f) => f.feature === 'mail')).toMatchObject({
        ok: true,
        missingPermissions: [],
        warnings: [expect.stringContaining('large attachments (3 MB and more')],
      });
      expect(report.warnings).toEqual([
        expect.objectContaining({
          code: 'OPTIONAL_PERMISSION_MISSING',
          message: expect.stringMatching(/^mail: Sending works; .*Mail\.ReadWrite/),
          action: expect.stringContaining('Grant admin consent'),
        }),
      ]);
    } finally {
      m365.emulator.control.revokePermissions({
        tenant: m365.seeded.tenantId,
        clientId: m365.seeded.clientId,
        permissions: ['Mail.Send'],
      });
      await configure(tenantA, { features: { mail: false } });
    }
  });

  it('explains a Graph call refused for a missing User.Read.All', async () => {
    revokeAll();
    try {
      const report = await connectionTest(tenantA);
      expect(report).toMatchObject({
        ok: false,
        tokenAcquired: true,
        graphReachable: true,
        grantedPermissions: [],
      });
      expect(report.features.find((f) => f.feature === 'userSync')).toMatchObject({
        missingPermissions: ['User.Read.All'],
      });
      expect(report.problems[0]).toMatchObject({
        code: 'PERMISSION_MISSING',
        message: expect.stringContaining('User.Read.All'),
      });
    } finally {
      grant('User.Read.All');
    }
  });

  it.each([
    [
      'a wrong directory id',
      () => ({ directoryId: randomUUID() }),
      'DIRECTORY_NOT_FOUND',
      /Directory \(tenant\) ID/,
    ],
    [
      'an unknown application id',
      () => ({ applicationId: randomUUID() }),
      'APPLICATION_NOT_FOUND',
      /Application \(client\) ID/,
    ],
  ])('explains %s', async (_case, settings, code, action) => {
    await configure(tenantA, settings());
    try {
      const report = await connectionTest(tenantA);
      expect(report.ok).toBe(false);
      expect(report.tokenAcquired).toBe(false);
      expect(report.problems).toEqual([
        expect.objectContaining({ code, action: expect.stringMatching(action) }),
      ]);
    } finally {
      await configure(tenantA);
    }
  });

  it('explains a certificate that was never uploaded (AADSTS700027)', async () => {
    await configure(tenantB);
    await generate(tenantB);
    const report = await connectionTest(tenantB);
    expect(report).toMatchObject({ ok: false, tokenAcquired: false });
    expect(report.problems[0]).toMatchObject({
      code: 'CERTIFICATE_NOT_REGISTERED',
      action: expect.stringContaining('Upload certificate'),
      microsoft: expect.objectContaining({ aadsts: 700027 }),
    });
  });

  it('explains an expired certificate (AADSTS700027, key expired)', async () => {
    const other = await t.createTenantWithAdmin(system);
    await configure(other, { certificateValidityDays: 30 });
    // Generated 60 days ago with 30 days of validity: uploaded, but expired today.
    m365.clock.advanceDays(-60);
    try {
      upload(await generate(other));
    } finally {
      m365.clock.reset();
    }
    const report = await connectionTest(other);
    expect(report.problems[0]).toMatchObject({
      code: 'CERTIFICATE_EXPIRED',
      action: expect.stringContaining('Generate a new key pair'),
      microsoft: expect.objectContaining({ aadsts: 700027 }),
    });
    const view = (
      await t
        .as(other.adminToken)
        .get(`${base(other)}/settings`)
        .expect(200)
    ).body;
    expect(view.warnings).toContainEqual(expect.objectContaining({ code: 'CERTIFICATE_EXPIRED' }));
  });

  it('rotates without a failed Graph call: the pending key takes over once Microsoft accepts it', async () => {
    const before = (
      await asA()
        .get(`${base(tenantA)}/settings`)
        .expect(200)
    ).body.activeCertificate;
    m365.emulator.control.resetCounters();

    const newPem = await generate(tenantA);
    let view = (
      await asA()
        .get(`${base(tenantA)}/settings`)
        .expect(200)
    ).body;
    expect(view.activeCertificate.id).toBe(before.id);
    expect(view.pendingCertificate).toMatchObject({ status: 'pending' });
    expect(
      (
        await asA()
          .get(`${base(tenantA)}/certificates/pending/public_key.pem`)
          .expect(200)
      ).text,
    ).toBe(newPem);

    // Not uploaded yet: the active key keeps everything working, and the admin sees why the new one waits.
    const waiting = await connectionTest(tenantA);
    expect(waiting).toMatchObject({ ok: true });
    expect(waiting.rotatedToKeyPairId).toBeUndefined();
    view = (
      await asA()
        .get(`${base(tenantA)}/settings`)
        .expect(200)
    ).body;
    expect(view.pendingCertificate.lastActivationError).toContain('CERTIFICATE_NOT_REGISTERED');
    // Both tell the admin what is waiting and the next step.
    const pendingWarning = {
      code: 'CERTIFICATE_PENDING',
      message: expect.stringMatching(/not accepted it yet.*Upload certificate.*connection test/),
    };
    expect(view.warnings).toEqual(expect.arrayContaining([expect.objectContaining(pendingWarning)]));
    expect(waiting.warnings).toEqual([
      expect.objectContaining({
        code: 'CERTIFICATE_PENDING',
        message: expect.stringContaining(view.pendingCertificate.thumbprintSha1),
        action: expect.stringContaining('Upload certificate'),
      }),
    ]);

    upload(newPem);
    const rotated = await connectionTest(tenantA);
    expect(rotated).toMatchObject({ ok: true, rotatedToKeyPairId: view.pendingCertificate.id });
    view = (
      await asA()
        .get(`${base(tenantA)}/settings`)
        .expect(200)
    ).body;
    expect(view.activeCertificate.id).toBe(rotated.rotatedToKeyPairId);
    expect(view.pendingCertificate).toBeNull();
    expect(rotated.warnings).toEqual([]);
    expect(view.warnings).not.toEqual(
      expect.arrayContaining([expect.objectContaining({ code: 'CERTIFICATE_PENDING' })]),
    );

    // The old certificate can now be removed from Entra without breaking anything.
    const app = m365.emulator.control.getApp({
      tenant: m365.seeded.tenantId,
      clientId: m365.seeded.clientId,
    });
    for (const key of app.certificates.filter(
      (c) => c.thumbprintSha256Hex.toUpperCase() === before.thumbprintSha256,
    )) {
      m365.emulator.control.removeCertificate({
        tenant: m365.seeded.tenantId,
        clientId: m365.seeded.clientId,
        keyId: key.keyId,
      });
    }
    expect(await connectionTest(tenantA)).toMatchObject({ ok: true });

    const graphFailures = Object.entries(m365.emulator.control.getCounters().byRoute).filter(
      ([route, statuses]) =>
        route.includes('/v1.0/') && Object.keys(statuses).some((status) => Number(status) >= 400),
    );
    expect(graphFailures).toEqual([]);
  });

  it('announces expiry at 30 days, 7 days and on expiry, once each', async () => {
    const events: Microsoft365Event[] = [];
    const subscription = t.get(Microsoft365Events).events$.subscribe((event) => events.push(event));
    const monitor = t.get(KeyExpiryMonitor);
    try {
      const expiring = () =>
        events.filter((e) => e.type === 'certificate.expiring' && e.pbxTenantId === tenantA.tenant.id);
      await monitor.checkAll();
      expect(expiring()).toEqual([]);

      m365.clock.advanceDays(336);
      // Two instances checking at the same moment announce it once.
      await Promise.all([monitor.checkAll(), monitor.checkAll()]);
      await monitor.checkAll();
      expect(expiring().map((e) => 'level' in e && e.level)).toEqual([ExpiryWarningLevel.ThirtyDays]);
      let view = (
        await asA()
          .get(`${base(tenantA)}/settings`)
          .expect(200)
      ).body;
      expect(view.warnings).toContainEqual(
        expect.objectContaining({ code: 'CERTIFICATE_EXPIRES_IN_30_DAYS' }),
      );

      m365.clock.advanceDays(23);
      await monitor.checkAll();
      m365.clock.advanceDays(7);
      await Promise.all([monitor.checkAll(), monitor.checkAll(), monitor.checkAll()]);
      expect(expiring().map((e) => 'level' in e && e.level)).toEqual([
        ExpiryWarningLevel.ThirtyDays,
        ExpiryWarningLevel.SevenDays,
        ExpiryWarningLevel.Expired,
      ]);
      view = (
        await asA()
          .get(`${base(tenantA)}/settings`)
          .expect(200)
      ).body;
      expect(view.warnings).toContainEqual(expect.objectContaining({ code: 'CERTIFICATE_EXPIRED' }));
      expect(captured.join('')).toContain('The Microsoft 365 certificate expires in');
    } finally {
      subscription.unsubscribe();
      m365.clock.reset();
    }
  });

  it.each([
    [Microsoft365Cloud.Global, 'https://graph.microsoft.com'],
    [Microsoft365Cloud.UsGov, 'https://graph.microsoft.us'],
    [Microsoft365Cloud.UsGovDod, 'https://dod-graph.microsoft.us'],
    [Microsoft365Cloud.China, 'https://microsoftgraph.chinacloudapi.cn'],
  ])('gets a token for the %s cloud with its own Graph scope (aud %s)', async (cloud, resource) => {
    await configure(tenantA, { cloud });
    try {
      m365.emulator.control.resetCounters();
      expect(await connectionTest(tenantA)).toMatchObject({ ok: true });
      // Entra puts the resource of the requested `{resource}/.default` scope in `aud`: the token the module
      // holds now shows which scope it asked the (emulated) token endpoint for. The emulator serves every
      // cloud's resource, so a wrong scope would still succeed; only this claim tells them apart.
      const token = await t.get(TenantTokenService).getToken(tenantA.tenant.id);
      expect(decodeJwt(token.accessToken).aud).toBe(resource);
      expect(CLOUD_ENDPOINTS[cloud].graphScope).toBe(`${resource}/.default`);
      expect(tokenRequests()).toBe(1);
    } finally {
      await configure(tenantA, { cloud: 'GLOBAL' });
    }
  });

  it('reuses tokens: many Graph calls for one tenant cost one token request', async () => {
    const target = { pbxTenantId: tenantA.tenant.id, cloud: Microsoft365Cloud.Global };
    t.get(TenantTokenService).evict(tenantA.tenant.id);
    t.get(AppTokenProvider).evict(tenantA.tenant.id);
    m365.emulator.control.resetCounters();
    const graph = t.get(GraphApi);
    try {
      for (let call = 0; call < 3; call++) await graph.get(target, '/users?$top=1');
      // Past the module's own one-minute token cache: the next calls go back to MSAL, whose cache still holds
      // the token (it renews only five minutes before expiry), so Entra is not asked again.
      m365.clock.advanceMs(2 * 60_000);
      await Promise.all([0, 1, 2].map(() => graph.get(target, '/users?$top=1')));
      expect(graphRequests()).toBe(6);
      expect(tokenRequests()).toBe(1);
    } finally {
      m365.clock.reset();
    }
  });

  it('a settings change drops the cached token: the next Graph call asks Entra again, for the new cloud', async () => {
    const pbxTenantId = tenantA.tenant.id;
    const graph = t.get(GraphApi);
    // Warm every cache: the module's resolved token and MSAL's, both for the Global cloud's Graph scope.
    await graph.get({ pbxTenantId, cloud: Microsoft365Cloud.Global }, '/users?$top=1');
    m365.emulator.control.resetCounters();
    try {
      // Through the service, not the controller: every caller of update (the mail settings too) must evict.
      await t.get(TenantSettingsService).update(pbxTenantId, { cloud: Microsoft365Cloud.UsGov });
      await graph.get({ pbxTenantId, cloud: Microsoft365Cloud.UsGov }, '/users?$top=1');
      expect(tokenRequests()).toBe(1);
      expect(graphRequests()).toBe(1);
      // Within the minute the old token would have been cached for: this one is for the new cloud's Graph.
      const token = await t.get(TenantTokenService).getToken(pbxTenantId);
      expect(decodeJwt(token.accessToken).aud).toBe('https://graph.microsoft.us');
      expect(tokenRequests()).toBe(1);
    } finally {
      await configure(tenantA, { cloud: 'GLOBAL' });
    }
  });

  it.each([
    [{ applicationId: 'not-a-guid' }, 'applicationId', /GUID/],
    [{ directoryId: 42 }, 'directoryId', /GUID/],
    [{ cloud: 'MOON' }, 'cloud', /GLOBAL, USGOV, USGOV_DOD, CHINA/],
    [{ enabled: 'yes' }, 'enabled', /boolean/],
    [{ certificateValidityDays: 5000 }, 'certificateValidityDays', /1095/],
    [{ features: { photos: 'on' } }, 'features.photos', /boolean/],
    [{ features: 'all' }, 'features', /object|nested/],
    [{ privateKey: 'x' }, 'privateKey', /should not exist/],
  ])('refuses %j with 400 naming the field', async (body, field, reason) => {
    const response = await asA()
      .patch(`${base(tenantA)}/settings`)
      .send(body)
      .expect(400);
    expect(response.body.errors).toContainEqual({ field, reasons: [expect.stringMatching(reason)] });
  });

  it('refuses a malformed tenant id with 400, an unknown one with 404, and an unknown certificate status with 404', async () => {
    for (const malformed of ['a%20b', 'x'.repeat(129), '%25']) {
      const response = await t.as(system).get(`/api/microsoft365/tenants/${malformed}/settings`).expect(400);
      expect(response.body.errors).toEqual([
        { field: 'pbxTenantId', reasons: [expect.stringContaining('must be the id of a PBX tenant')] },
      ]);
    }
    // Host ids are opaque: a slug is a well-formed id, of a tenant this PBX does not have.
    const unknown = await t.as(system).get('/api/microsoft365/tenants/not-a-tenant/settings').expect(404);
    expect(unknown.body.code).toBe('NOT_FOUND');
    await asA()
      .get(`${base(tenantA)}/certificates/retired/public_key.pem`)
      .expect(404);
  });

  it("keeps tenants apart: another tenant's admin gets 403 everywhere, strangers 401", async () => {
    const calls: [string, string][] = [
      ['get', 'settings'],
      ['patch', 'settings'],
      ['delete', 'settings'],
      ['post', 'certificates'],
      ['get', 'certificates/active/public_key.pem'],
      ['post', 'connection-test'],
    ];
    for (const [method, path] of calls) {
      const url = `${base(tenantA)}/${path}`;
      const agent = t.as(tenantB.adminToken) as unknown as Record<
        string,
        (u: string) => { send(b: object): Promise<{ status: number }> }
      >;
      expect({ url, method, status: (await agent[method]!(url).send({})).status }).toEqual({
        url,
        method,
        status: 403,
      });
      const anonymous = t.http() as unknown as Record<
        string,
        (u: string) => { send(b: object): Promise<{ status: number }> }
      >;
      expect({ url, method, status: (await anonymous[method]!(url).send({})).status }).toEqual({
        url,
        method,
        status: 401,
      });
    }
    await t.as(tenantB.adminToken).get('/api/microsoft365/tenants/system/settings').expect(403);
    await t.as(system).get(`/api/microsoft365/tenants/${randomUUID()}/settings`).expect(404);
    // The tenant's data is untouched by all that.
    expect(
      (
        await asA()
          .get(`${base(tenantA)}/settings`)
          .expect(200)
      ).body.activeCertificate,
    ).not.toBeNull();
  });

  it('keeps a system-level configuration for the system administrators', async () => {
    const response = await t
      .as(system)
      .patch('/api/microsoft365/tenants/system/settings')
      .send({ applicationId: m365.seeded.clientId, directoryId: m365.seeded.tenantId, cloud: 'CHINA' })
      .expect(200);
    expect(response.body).toMatchObject({ pbxTenantId: 'system', cloud: 'CHINA' });
    const pem = (await t.as(system).post('/api/microsoft365/tenants/system/certificates').expect(201)).text;
    expect(pem).toContain('BEGIN CERTIFICATE');
  });

  it('stops and removes the integration on request', async () => {
    const other = await t.createTenantWithAdmin(system);
    await configure(other);
    upload(await generate(other));
    await configure(other, { enabled: false });
    // Stopped: settings and keys kept, the connection test (an admin action) still works.
    expect(
      (
        await t
          .as(other.adminToken)
          .get(`${base(other)}/settings`)
          .expect(200)
      ).body,
    ).toMatchObject({ enabled: false, activeCertificate: expect.any(Object) });
    await t
      .as(other.adminToken)
      .delete(`${base(other)}/settings`)
      .expect(204);
    const removed = (
      await t
        .as(other.adminToken)
        .get(`${base(other)}/settings`)
        .expect(200)
    ).body;
    expect(removed).toMatchObject({ applicationId: null, activeCertificate: null });
    const notConfigured = await t
      .as(other.adminToken)
      .post(`${base(other)}/connection-test`)
      .expect(409);
    expect(notConfigured.body).toMatchObject({
      code: 'NOT_CONFIGURED',
      action: expect.stringContaining('Application (client) ID'),
    });
  });

  it('never lets a private key out: not in API answers, logs, or any database column in clear', async () => {
    const keys = t.get(KeyManagementService);
    const { active } = await keys.current(tenantA.tenant.id);
    const privateKeyPem = await keys.privateKeyPem(active!);
    expect(privateKeyPem).toContain('BEGIN PRIVATE KEY');
    const body = privateKeyPem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
    const fragments = [body.slice(0, 48), body.slice(200, 248), body.slice(-60, -12)];

    const dump: string[] = [];
    const em = t.orm.em.fork();
    const tables = await em
      .getConnection()
      .execute<{ table_name: string }[]>(
        "select table_name from information_schema.tables where table_schema = 'public'",
      );
    for (const { table_name } of tables) {
      const rows = await em
        .getConnection()
        .execute<{ row: string }[]>(`select t::text as row from "${table_name}" t`);
      dump.push(...rows.map((r) => r.row));
    }
    const haystacks = { responses: responses.join('\n'), logs: captured.join(''), database: dump.join('\n') };
    expect(haystacks.database).toContain('BEGIN CERTIFICATE'); // the dump did read the key pair rows
    for (const [where, text] of Object.entries(haystacks)) {
      expect({
        where,
        leaked: text.includes('PRIVATE KEY') || fragments.some((f) => text.includes(f)),
      }).toEqual({ where, leaked: false });
      // Access tokens and client assertions are JWTs; none may be printed or returned.
      expect({
        where,
        jwt: /eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\./.test(where === 'database' ? '' : text),
      }).toEqual({ where, jwt: false });
    }
  });
  it('refuses to boot the module without a master key outside development, saying what to do', async () => {
    // The host's composition (configuration, ORM, ports, the module with the host's options) in production with
    // no PBX_M365_MASTER_KEY. The ORM does not connect: a failed boot must leave no open pool behind.
    const databaseUrl = await ensureWorkerDatabase();
    const boot = (config: HostConfig) =>
      NestTest.createTestingModule({
        imports: [
          HostConfigModule.forRoot(config),
          MikroOrmModule.forRoot({ ...createOrmOptions(databaseUrl), connect: false }),
          ScheduleModule.forRoot(),
          Microsoft365Module.forRootAsync({
            imports: [HostPortsModule],
            useFactory: () => microsoft365Options(config),
          }),
        ],
      }).compile();
    const production: HostConfig = { ...t.config, environment: 'production' };
    // The same composition boots with a key, so the refusal below is about the key and nothing else.
    await (await boot(production)).close();
    await expect(boot({ ...production, masterKey: undefined })).rejects.toThrow(
      'Microsoft365Module: masterKey is required outside tests. Generate one with `openssl rand -base64 32`',
    );
  });

  // Last in this file: afterwards the rows are sealed under a key the first app does not have.
  it('rotates the master key: a second instance with version 2 re-wraps every private key and service account token cache, Graph keeps working', async () => {
    const db = t.orm.em.fork().getConnection();
    // A Teams presence service account signed in under version 1 (its MSAL token cache sealed as the service seals
    // it), with a sign-in pending: the pending PKCE verifier lives minutes and is left as it is.
    const tokenCache = JSON.stringify({ RefreshToken: { marker: randomUUID() } });
    const oldBox = t.get(SecretBox);
    const cache = oldBox.seal(Buffer.from(tokenCache), serviceAccountCacheContext(tenantA.tenant.id));
    const verifier = oldBox.seal(Buffer.from('verifier'), 'm365-teams-presence-verifier:any');
    await t.orm.em.fork().insert(ServiceAccountEntity, {
      pbxTenantId: tenantA.tenant.id,
      upn: 'presence@contoso.example',
      encryptedCache: cache.ciphertext,
      masterKeyVersion: cache.masterKeyVersion,
      signedInAt: new Date(),
      pendingStateHash: randomUUID(),
      pendingEncryptedVerifier: verifier.ciphertext,
      pendingMasterKeyVersion: verifier.masterKeyVersion,
      pendingRedirectUri: 'https://pbx.example/callback',
      pendingExpiresAt: new Date(Date.now() + 60_000),
      updatedAt: new Date(),
    });
    const account = async () =>
      (
        await db.execute<{ ciphertext: Buffer; version: number; pendingVersion: number; pending: string }[]>(
          'select encrypted_cache as ciphertext, master_key_version as version, ' +
            'pending_master_key_version as "pendingVersion", encode(pending_encrypted_verifier, \'hex\') as pending ' +
            'from m365_teams_presence_service_accounts where pbx_tenant_id = ?',
          [tenantA.tenant.id],
        )
      )[0]!;
    expect(await account()).toMatchObject({ version: 1, pendingVersion: 1 });
    const rows = () =>
      db.execute<{ id: string; version: number; ciphertext: string }[]>(
        "select id, master_key_version as version, encode(encrypted_private_key, 'hex') as ciphertext " +
          'from m365_key_pairs order by id',
      );
    const before = await rows();
    expect(before.length).toBeGreaterThan(3);
    expect(new Set(before.map((row) => row.version))).toEqual(new Set([1]));

    // What the operator does: a new PBX_M365_MASTER_KEY with PBX_M365_MASTER_KEY_VERSION=2, the old key in
    // PBX_M365_PREVIOUS_MASTER_KEYS=1:<old>, and a restart, on the same database.
    const newKey = randomBytes(32).toString('base64');
    const second = await createTestApp({
      reset: false,
      microsoft365: m365.moduleOptions,
      config: {
        masterKey: newKey,
        masterKeyVersion: 2,
        previousMasterKeys: { 1: t.config.masterKey ?? '' },
      },
    });
    try {
      // Two instances starting at once: the host's start-up step and another instance's explicit call race;
      // every row is re-wrapped exactly once.
      const [started, other] = await Promise.all([
        prepareHost(second.app),
        second.get(MasterKeyRotationService).rewrapSecrets(),
      ]);
      expect(started.masterKeyRewrap.rewrapped + other.rewrapped).toBe(before.length + 1);
      const byKind = (kind: 'key-pair' | 'service-account-token-cache') =>
        started.masterKeyRewrap.rewrappedByKind[kind] + other.rewrappedByKind[kind];
      expect(byKind('key-pair')).toBe(before.length);
      expect(byKind('service-account-token-cache')).toBe(1);
      expect([...started.masterKeyRewrap.unreadable, ...other.unreadable]).toEqual([]);

      // The token cache is under version 2 and opens with the new key alone, as after the old key is dropped.
      const rewrapped = await account();
      expect(rewrapped.version).toBe(2);
      expect(rewrapped.ciphertext.equals(cache.ciphertext)).toBe(false);
      const onlyNewKey = new SecretBox({
        environment: 'test',
        publicUrl: 'https://pbx.example',
        masterKey: newKey,
        masterKeyVersion: 2,
      });
      expect(
        onlyNewKey
          .open(
            { ciphertext: rewrapped.ciphertext, masterKeyVersion: rewrapped.version },
            serviceAccountCacheContext(tenantA.tenant.id),
          )
          .toString('utf8'),
      ).toBe(tokenCache);
      // The pending sign-in's verifier is not re-wrapped: it expires within minutes.
      expect(rewrapped).toMatchObject({ pendingVersion: 1, pending: verifier.ciphertext.toString('hex') });

      const after = await rows();
      expect(after.map((row) => row.id)).toEqual(before.map((row) => row.id));
      after.forEach((row, index) => {
        expect(row.version).toBe(2);
        expect(row.ciphertext).not.toBe(before[index]?.ciphertext);
      });
      // Idempotent: the next start finds nothing to do.
      expect(await second.get(MasterKeyRotationService).rewrapSecrets()).toEqual({
        currentVersion: 2,
        rewrapped: 0,
        rewrappedByKind: { 'key-pair': 0, 'service-account-token-cache': 0 },
        unreadable: [],
      });

      // The re-wrapped private key still signs a client assertion Entra accepts.
      m365.emulator.control.resetCounters();
      const report = await second
        .as(tenantA.adminToken)
        .post(`${base(tenantA)}/connection-test`)
        .expect(200);
      expect(report.body).toMatchObject({ ok: true, tokenAcquired: true, graphReachable: true });
      expect(tokenRequests()).toBe(1);

      // An instance that only has the old key is told what is missing instead of failing obscurely.
      const stale = await t.get(MasterKeyRotationService).rewrapSecrets();
      expect(stale).toMatchObject({ currentVersion: 1, rewrapped: 0 });
      expect(stale.unreadable).toHaveLength(before.length + 1);
      expect(stale.unreadable[0]).toMatchObject({
        kind: 'key-pair',
        masterKeyVersion: 2,
        reason: 'key-not-configured',
      });
      expect(stale.unreadable.filter((row) => row.kind === 'service-account-token-cache')).toEqual([
        {
          kind: 'service-account-token-cache',
          pbxTenantId: tenantA.tenant.id,
          masterKeyVersion: 2,
          reason: 'key-not-configured',
        },
      ]);
    } finally {
      await second.close();
    }
  });
});
