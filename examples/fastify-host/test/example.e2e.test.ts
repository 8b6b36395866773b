import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/core';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  createTrustingAgent,
  DEFAULT_SEED_PERMISSIONS,
  M365Emulator,
  MAILBOX_SEED_PERMISSIONS,
  type SeedResult,
  signInOnEmulator,
} from '@pbx/m365-emulator';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type Agent, fetch } from 'undici';
import { HostDatabase } from '../src/database/host-database';
import { DirectoryAdapter } from '../src/ports/directory.adapter';
import { createExampleApp } from '../src/example-app';
import { SessionsAdapter } from '../src/ports/sessions.adapter';
import { startTestDatabase, type TestDatabase } from './support/database';

const PUBLIC_URL = 'https://pbx.example.net';
const CALLBACK = `${PUBLIC_URL}/api/microsoft365/sso/callback`;

/**
 * The second host, as a vendor would test their own PBX: the module and the emulator installed from their packed
 * tarballs, NestJS on Fastify, the PBX's own tables with numeric ids, and every feature driven over HTTP.
 */
describe(`a PBX on Fastify with numeric ids, on Node ${process.versions.node}`, () => {
  let database: TestDatabase;
  let emulator: M365Emulator;
  let seeded: SeedResult;
  let agent: Agent;
  let app: NestFastifyApplication;
  let baseUrl: string;
  let tenantId: string;
  let adminToken: string;
  let api: string;

  const sql = <T extends object>(query: string, params: unknown[] = []) =>
    app.get(HostDatabase).query<T>(query, params);

  async function call(method: string, path: string, options: { body?: unknown; token?: string } = {}) {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        authorization: `Bearer ${options.token ?? adminToken}`,
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      redirect: 'manual',
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, body: json as Record<string, any> };
  }

  async function waitForRun(feature: 'user-sync' | 'contact-sync', runId: string) {
    for (let attempt = 0; attempt < 300; attempt++) {
      const run = await call('GET', `${api}/${feature}/runs/${runId}`);
      if (run.body['status'] !== 'RUNNING') return run.body;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${feature} run ${runId} did not finish`);
  }

  before(async () => {
    database = await startTestDatabase();
    emulator = await M365Emulator.start({ port: 0, seed: 3 });
    seeded = await emulator.control.seed({
      users: 12,
      departments: 2,
      groupDepth: 1,
      guests: 0,
      seed: 3,
      contactsPerUser: 4,
      sharedMailboxes: 0,
      eventsPerUser: 0,
      app: {
        permissions: [...DEFAULT_SEED_PERMISSIONS, ...MAILBOX_SEED_PERMISSIONS],
        redirectUris: [CALLBACK],
      },
    });
    agent = createTrustingAgent(emulator.caPem);
    app = await createExampleApp(
      {
        databaseUrl: database.url,
        microsoft365: {
          environment: 'test',
          masterKey: randomBytes(32).toString('base64'),
          publicUrl: PUBLIC_URL,
          routePrefix: '/api',
          endpoints: { authorityBaseUrl: emulator.baseUrl, graphBaseUrl: emulator.baseUrl },
          trustedCaPem: [emulator.caPem],
        },
      },
      { port: 0, host: '127.0.0.1' },
    );
    baseUrl = await app.getUrl();
    baseUrl = baseUrl.replace('[::1]', '127.0.0.1');
    // The PBX's own data: a tenant and its admin, with numeric ids from identity columns.
    const [tenant] = await sql<{ id: string }>(
      `insert into pbx_tenants (name, sip_domain, time_zone) values ('Acme', 'acme.example.net', 'Europe/Berlin') returning id`,
    );
    tenantId = String(tenant?.id);
    const [admin] = await sql<{ id: string }>(
      `insert into pbx_users (tenant_id, extension, role, display_name) values (?, '100', 'tenant-admin', 'Admin') returning id`,
      [tenantId],
    );
    adminToken = (
      await app.get(SessionsAdapter).issue({ userId: String(admin?.id), tenantId, role: 'tenant-admin' })
    ).token;
    api = `/api/microsoft365/tenants/${tenantId}`;
  });

  after(async () => {
    await app?.close();
    await emulator?.close();
    await agent?.close();
    await database?.stop();
  });

  it('runs on Fastify and keeps numeric ids', () => {
    assert.equal(app.getHttpAdapter().getType(), 'fastify');
    assert.match(tenantId, /^[0-9]+$/);
  });

  it('connects: settings, a key pair, the certificate upload in Entra, a green connection test', async () => {
    const settings = await call('PATCH', `${api}/settings`, {
      body: {
        applicationId: seeded.clientId,
        directoryId: seeded.tenantId,
        enabled: true,
        features: { personalContacts: true, mail: true, singleSignOn: true },
      },
    });
    assert.equal(settings.status, 200, settings.text);
    assert.deepEqual(settings.body['redirectUris'], [CALLBACK]);
    const generated = await call('POST', `${api}/certificates`);
    assert.equal(generated.status, 201);
    assert.match(generated.headers.get('content-type') ?? '', /application\/x-pem-file/);
    assert.match(generated.text, /^-----BEGIN CERTIFICATE-----/);
    const download = await call('GET', `${api}/certificates/active/public_key.pem`);
    assert.equal(download.text, generated.text);
    assert.match(download.headers.get('content-disposition') ?? '', /public_key\.pem/);
    emulator.control.addCertificate({
      tenant: seeded.tenantId,
      clientId: seeded.clientId ?? '',
      pem: generated.text,
    });

    const report = await call('POST', `${api}/connection-test`);
    assert.equal(report.status, 200, report.text);
    assert.equal(report.body['ok'], true, report.text);
  });

  it('refuses bad input with 400 naming the field, and strangers with 401', async () => {
    const bad = await call('PATCH', `${api}/user-sync/settings`, { body: { extensionStart: 'abc' } });
    assert.equal(bad.status, 400);
    assert.deepEqual(
      (bad.body['errors'] as { field: string }[]).map((error) => error.field),
      ['extensionStart'],
    );
    const anonymous = await call('GET', `${api}/settings`, { token: 'nope' });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body['code'], 'UNAUTHENTICATED');

    // A body Fastify's parser refuses never reaches a controller: the module's request error filter answers it.
    const malformed = await fetch(`${baseUrl}${api}/user-sync/settings`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: '{"extensionStart": ',
    });
    const answer = (await malformed.json()) as { code?: string; errors?: unknown[] };
    assert.equal(malformed.status, 400);
    assert.equal(answer.code, 'INVALID_INPUT');
    assert.ok(Array.isArray(answer.errors) && answer.errors.length > 0, JSON.stringify(answer));
  });

  it('writes through the ports inside the module’s transaction: a page rolled back leaves no PBX user', async () => {
    const directory = app.get(DirectoryAdapter);
    const profile = {
      displayName: 'Rolled Back',
      firstName: null,
      lastName: null,
      email: null,
      userPrincipalName: 'rolled.back@example.net',
      department: null,
      jobTitle: null,
      mobilePhone: null,
      businessPhones: [],
      officeLocation: null,
      preferredLanguage: null,
    };
    // What the module does with each page: the host's writes and its own links in one transaction.
    await assert.rejects(
      app
        .get(MikroORM)
        .em.fork()
        .transactional(async () => {
          const [created] = await directory.createUsers(tenantId, [
            { key: 'k', profile, extension: '999', enabled: true },
          ]);
          assert.equal(created?.status, 'created');
          throw new Error('the page failed after the host wrote');
        }),
      /the page failed/,
    );
    assert.deepEqual(
      await directory.findUsers(tenantId, { userPrincipalNames: [profile.userPrincipalName] }),
      [],
    );
  });

  it('syncs users into its own table with extensions from the range, then incrementally', async () => {
    const settings = await call('PATCH', `${api}/user-sync/settings`, {
      body: { extensionStart: '200', extensionEnd: '299' },
    });
    assert.equal(settings.status, 200, settings.text);
    const started = await call('POST', `${api}/user-sync/runs`, { body: { full: true } });
    assert.equal(started.status, 202, started.text);
    const full = await waitForRun('user-sync', started.body['id']);
    assert.equal(full['status'], 'SUCCEEDED', JSON.stringify(full));
    assert.equal(full['mode'], 'FULL');
    const users = await sql<{ id: string; extension: string; user_principal_name: string }>(
      `select id::text, extension, user_principal_name from pbx_users where tenant_id = ? and role = 'user' order by id`,
      [tenantId],
    );
    assert.ok(users.length >= 10, `only ${users.length} users synced`);
    for (const user of users) {
      assert.match(user.id, /^[0-9]+$/);
      assert.ok(Number(user.extension) >= 200 && Number(user.extension) <= 299, user.extension);
    }

    const changed = users[0]!;
    emulator.control.updateUser({
      tenant: seeded.tenantId,
      user: changed.user_principal_name,
      changes: { jobTitle: 'Head of Fastify' },
    });
    const next = await call('POST', `${api}/user-sync/runs`, { body: { mode: 'incremental' } });
    const incremental = await waitForRun('user-sync', next.body['id']);
    assert.equal(incremental['mode'], 'INCREMENTAL', JSON.stringify(incremental));
    const [after] = await sql<{ job_title: string; extension: string }>(
      'select job_title, extension from pbx_users where id = ?',
      [changed.id],
    );
    assert.equal(after?.job_title, 'Head of Fastify');
    assert.equal(after?.extension, changed.extension, 'an extension is kept forever');
  });

  it('syncs each user’s Outlook contacts into the PBX’s contacts', async () => {
    const started = await call('POST', `${api}/contact-sync/runs`, { body: {} });
    assert.equal(started.status, 202, started.text);
    const run = await waitForRun('contact-sync', started.body['id']);
    assert.equal(run['status'], 'SUCCEEDED', JSON.stringify(run));
    const [{ count } = { count: '0' }] = await sql<{ count: string }>(
      'select count(*)::text as count from pbx_contacts where tenant_id = ? and owner_user_id is not null',
      [tenantId],
    );
    assert.ok(Number(count) > 0, 'no contact synced');
  });

  it('sends a mail through Graph', async () => {
    const sender = seeded.sampleUserPrincipalNames[1] ?? '';
    const saved = await call('PATCH', `${api}/mail/settings`, {
      body: { senderAddress: sender, enabled: true },
    });
    assert.equal(saved.status, 200, saved.text);
    const sent = await call('POST', `${api}/mail/test-mail`, { body: { to: 'someone@example.org' } });
    assert.equal(sent.status, 200, sent.text);
    const delivered = emulator.control
      .listSentMail({ tenant: seeded.tenantId })
      .filter((mail) => mail.mailbox.userPrincipalName.toLowerCase() === sender.toLowerCase());
    assert.equal(delivered.length, 1);
  });

  it('answers Graph’s validation handshake in plain text', async () => {
    const response = await fetch(
      `${baseUrl}/api/microsoft365/notifications?validationToken=Validation%3A%20abc`,
      {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      },
    );
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await response.text(), 'Validation: abc');
  });

  it('signs a synced user in with Microsoft and ends in a PBX session', async () => {
    const sso = await call('PATCH', `/api/microsoft365/tenants/${tenantId}/sso`, {
      body: { users: { enabled: true, web: true, scope: 'ALL' } },
    });
    assert.equal(sso.status, 200, sso.text);
    const [user] = await sql<{ id: string; extension: string; user_principal_name: string }>(
      `select id::text, extension, user_principal_name from pbx_users where tenant_id = ? and role = 'user' order by id limit 1`,
      [tenantId],
    );
    assert.ok(user);

    const login = await fetch(`${baseUrl}/api/microsoft365/sso/login?tenant=${tenantId}`, {
      redirect: 'manual',
    });
    assert.equal(login.status, 302);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    // https: the server-signed browser cookie carries the __Host- prefix (Path=/, no Domain).
    assert.match(
      login.headers.get('set-cookie') ?? '',
      /^__Host-m365_sso_browser=.*HttpOnly; Secure; SameSite=None/,
    );
    const authorize = login.headers.get('location') ?? '';
    assert.ok(authorize.startsWith(emulator.baseUrl), authorize);

    const post = await signInOnEmulator(
      authorize,
      { username: user.user_principal_name, password: seeded.password },
      agent,
    );
    assert.equal(post.action, CALLBACK);
    // The browser posts the form to the PBX (here at its local address) with the cookie of the login.
    const callback = await fetch(`${baseUrl}/api/microsoft365/sso/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams(post.fields),
      redirect: 'manual',
    });
    assert.equal(callback.status, 302, await callback.text());
    // The portal gets a one-time code, never the session, and exchanges it from the same browser.
    const portal = new URL(callback.headers.get('location') ?? '');
    const code = new URLSearchParams(portal.hash.slice(1)).get('sso_code') ?? '';
    assert.ok(code.length > 20);
    const exchange = await fetch(`${baseUrl}/api/microsoft365/sso/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ code }),
    });
    assert.equal(exchange.status, 200);
    assert.equal(exchange.headers.get('cache-control'), 'no-store');
    const token = String(((await exchange.json()) as { token?: unknown }).token ?? '');
    assert.ok(token.length > 20);

    // The same form again is a replayed sign-in: the module's error page, on Fastify as on Express.
    const replay = await fetch(`${baseUrl}/api/microsoft365/sso/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, accept: 'text/html' },
      body: new URLSearchParams(post.fields),
      redirect: 'manual',
    });
    assert.equal(replay.status, 400);
    assert.match(replay.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await replay.text(), /SSO_INVALID_STATE/);

    const me = await call('GET', '/api/me', { token });
    assert.equal(me.status, 200, me.text);
    assert.deepEqual(
      {
        userId: me.body['userId'],
        tenantId: me.body['tenantId'],
        role: me.body['role'],
        extension: me.body['extension'],
      },
      { userId: user.id, tenantId, role: 'user', extension: user.extension },
    );
  });
});
