import { reportScenario } from '@pbx/test/support/reliability-report';
import { createTestApp, type TenantWithAdmin, type TestApp } from '@pbx/test/support/create-test-app';
import {
  connectTenant,
  type EmulatedMicrosoft365,
  startEmulatedMicrosoft365,
} from '@pbx/test/support/microsoft365-test-env';
import { createTrustingAgent, MAILBOX_SEED_PERMISSIONS } from '@pbx/m365-emulator';
import { MICROSOFT365_REQUEST_BODY_LIMIT } from '@pbx/microsoft365';
import { randomUUID } from 'node:crypto';
import { fetch } from 'undici';

interface Schema {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
  allOf?: Schema[];
  nullable?: boolean;
}

interface Operation {
  method: string;
  path: string;
  body?: Schema;
  query: string[];
}

/**
 * Every REST endpoint of the module, found in the OpenAPI document (so a new endpoint is covered without touching
 * this file), is called with another tenant's session and with malformed, wrong-typed and oversized input: it must
 * answer 4xx with the field, never 500 and never do the work. Afterwards no secret may be found in any answer, log
 * line or database row.
 */
/** Query parameters that are free text by design (the directory pickers' search). */
const FREE_TEXT_QUERY = new Set(['q']);

describe('reliability: the module API under bad input, cross-tenant calls, and secret hygiene', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  let tenantA: TenantWithAdmin;
  let tenantB: TenantWithAdmin;
  let operations: Operation[] = [];
  let components: Record<string, Schema> = {};
  const captured: string[] = [];
  const answers: string[] = [];
  const restore: (() => void)[] = [];
  let calls = 0;

  const resolve = (schema: Schema | undefined): Schema | undefined => {
    if (!schema) return undefined;
    if (schema.$ref) return resolve(components[schema.$ref.split('/').pop() ?? '']);
    if (schema.allOf?.length) return resolve(schema.allOf[0]);
    return schema;
  };

  const fill = (path: string, tenantId: string, overrides: Record<string, string> = {}) =>
    path.replace(
      /\{(\w+)\}/g,
      (_m, name: string) =>
        overrides[name] ?? (name === 'pbxTenantId' ? tenantId : name === 'which' ? 'active' : randomUUID()),
    );

  async function call(
    token: string | null,
    operation: Operation,
    url: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown; text: string }> {
    calls++;
    const agent = token ? t.as(token) : t.http();
    const method = operation.method.toLowerCase() as 'get' | 'post' | 'patch' | 'put' | 'delete';
    let request = agent[method](url);
    if (body !== undefined) {
      request = request
        .set('content-type', 'application/json')
        .send(typeof body === 'string' ? body : JSON.stringify(body));
    }
    const response = await request;
    answers.push(response.text);
    return { status: response.status, body: response.body as unknown, text: response.text };
  }

  function wrongValue(schema: Schema | undefined): unknown {
    const resolved = resolve(schema);
    switch (resolved?.type) {
      case 'string':
        return 12345;
      case 'boolean':
        return 'maybe';
      case 'integer':
      case 'number':
        return 'not-a-number';
      case 'array':
        return 'not-an-array';
      default:
        return resolved?.properties ? 42 : [{ unexpected: true }];
    }
  }

  beforeAll(async () => {
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      stream.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
        captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
        return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
      };
      restore.push(() => (stream.write = original));
    }
    m365 = await startEmulatedMicrosoft365({
      users: 30,
      contactsPerUser: 5,
      app: { permissions: [], redirectUris: [SSO_CALLBACK] },
    });
    t = await createTestApp({
      microsoft365: m365.moduleOptions,
      swagger: true,
      logLevels: ['log', 'warn', 'error'],
    });
    tenantA = await t.createTenantWithAdmin();
    tenantB = await t.createTenantWithAdmin();
    await connectTenant(t, m365, tenantA, {
      permissions: [
        'User.Read.All',
        'GroupMember.Read.All',
        'ProfilePhoto.Read.All',
        ...MAILBOX_SEED_PERMISSIONS,
      ],
      settings: { features: { mail: true, singleSignOn: true, personalContacts: true } },
    });
    const document = (await t.http().get('/api/docs/json').expect(200)).body as {
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: { content?: Record<string, { schema?: Schema }> };
            parameters?: { in: string; name: string }[];
          }
        >
      >;
      components: { schemas: Record<string, Schema> };
    };
    components = document.components.schemas;
    operations = Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/api/microsoft365/'))
      .flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, spec]) => ({
          method,
          path,
          body: spec.requestBody?.content?.['application/json']?.schema,
          query: (spec.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        })),
      );
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
    restore.forEach((undo) => undo());
  });

  it('finds the module endpoints in the OpenAPI document', () => {
    const tenantScoped = operations.filter((o) => o.path.includes('{pbxTenantId}'));
    expect(tenantScoped.length).toBeGreaterThanOrEqual(20);
    expect(operations.map((o) => o.path)).toEqual(
      expect.arrayContaining([
        '/api/microsoft365/tenants/{pbxTenantId}/settings',
        '/api/microsoft365/tenants/{pbxTenantId}/user-sync/runs',
        '/api/microsoft365/tenants/{pbxTenantId}/mail/settings',
      ]),
    );
  });

  it("answers another tenant's admin 403/404 on every tenant endpoint, and an anonymous caller 401", async () => {
    let verified = 0;
    for (const operation of operations.filter((o) => o.path.includes('{pbxTenantId}'))) {
      const url = fill(operation.path, tenantA.tenant.id);
      const body = operation.body ? {} : undefined;
      const foreign = await call(tenantB.adminToken, operation, url, body);
      expect({ op: `${operation.method} ${operation.path}`, status: foreign.status }).toEqual({
        op: `${operation.method} ${operation.path}`,
        status: oneOf(foreign.status, 403, 404),
      });
      const anonymous = await call(null, operation, url, body);
      expect({ op: `${operation.method} ${operation.path}`, status: anonymous.status }).toEqual({
        op: `${operation.method} ${operation.path}`,
        status: 401,
      });
      verified += 2;
    }
    reportScenario('cross-tenant and anonymous calls', { itemsVerified: verified });
  });

  it('answers malformed, wrong-typed, unknown and oversized input with 4xx and the field, never 500', async () => {
    let verified = 0;
    // Logging out with the admin's session would end it for the rest of the test; it takes no input anyway.
    for (const operation of operations.filter((o) => !o.path.endsWith('/sso/logout'))) {
      const url = fill(operation.path, tenantA.tenant.id);
      const label = `${operation.method} ${operation.path}`;
      const schema = resolve(operation.body);
      if (operation.body) {
        for (const body of ['{"unterminated', '[1,2,3]', '"a string"', { unexpectedField: true }]) {
          const answer = await call(tenantA.adminToken, operation, url, body);
          expect({ label, body, status: answer.status }).toEqual({ label, body, status: 400 });
          expectDocumentedShape(label, answer);
          verified++;
        }
        for (const [property, propertySchema] of Object.entries(schema?.properties ?? {})) {
          const answer = await call(tenantA.adminToken, operation, url, {
            [property]: wrongValue(propertySchema),
          });
          expect({ label, property, status: answer.status }).toEqual({ label, property, status: 400 });
          expectDocumentedShape(label, answer);
          const fields = ((answer.body as { errors?: { field: string }[] }).errors ?? []).map((e) => e.field);
          expect({
            label,
            property,
            named: fields.some((f) => f === property || f.startsWith(`${property}.`)),
          }).toEqual({
            label,
            property,
            named: true,
          });
          verified++;
          // `null` where the document does not allow it: a 400 naming the field, never a NOT NULL violation (500)
          // or a value silently ignored.
          if (!propertySchema.nullable) {
            const nulled = await call(tenantA.adminToken, operation, url, { [property]: null });
            const named = ((nulled.body as { errors?: { field: string }[] }).errors ?? []).some(
              (e) => e.field === property || e.field.startsWith(`${property}.`),
            );
            expect({ label, property, value: null, status: nulled.status, named }).toEqual({
              label,
              property,
              value: null,
              status: 400,
              named: true,
            });
            verified++;
          }
        }
        const oversized = await call(tenantA.adminToken, operation, url, {
          blob: 'x'.repeat(MICROSOFT365_REQUEST_BODY_LIMIT + 1),
        });
        expect({ label, status: oversized.status }).toEqual({ label, status: 413 });
        expectDocumentedShape(label, oversized);
        verified++;
      }
      for (const name of operation.query) {
        const answer = await call(
          tenantA.adminToken,
          operation,
          // A space: not allowed in any id, name or number the API takes (opaque PBX ids allow ';'). Free-text
          // searches (the pickers' `q`) take spaces and semicolons: a control character and 200 characters they don't.
          `${url}?${name}=${encodeURIComponent(FREE_TEXT_QUERY.has(name) ? `\u0007${'x'.repeat(200)}` : '-1; drop')}`,
        );
        // Public sign-in pages may answer a harmless "not offered" for unknown input; admin endpoints refuse it.
        const tenantScoped = operation.path.includes('{pbxTenantId}');
        expect({ label, name, status: answer.status }).toEqual({
          label,
          name,
          status: tenantScoped
            ? oneOf(answer.status, 400, 404)
            : answer.status < 500
              ? answer.status
              : 'below 500',
        });
        verified++;
      }
      for (const param of (operation.path.match(/\{(\w+)\}/g) ?? []).map((p) => p.slice(1, -1))) {
        if (param === 'which') continue;
        const answer = await call(
          tenantA.adminToken,
          operation,
          fill(operation.path, tenantA.tenant.id, { [param]: 'not a valid id' }),
          operation.body ? {} : undefined,
        );
        expect({ label, param, status: answer.status }).toEqual({
          label,
          param,
          status: oneOf(answer.status, 400, 404),
        });
        verified++;
      }
    }
    reportScenario('malformed input on every module endpoint', { itemsVerified: verified });
  });

  /**
   * README "Bad input": statusCode, code and message; the fields for a request the route cannot take. The sign-in
   * flow answers browsers and apps in OAuth's own terms instead.
   */
  function expectDocumentedShape(label: string, answer: { status: number; body: unknown }): void {
    if (/\/sso\/(login|callback|logout|app\/)/.test(label)) return;
    const body = answer.body as { statusCode?: unknown; code?: unknown; message?: unknown; errors?: unknown };
    expect({
      label,
      statusCode: body.statusCode,
      code: typeof body.code,
      message: typeof body.message,
    }).toEqual({
      label,
      statusCode: answer.status,
      code: 'string',
      message: 'string',
    });
    expect({ label, errors: Array.isArray(body.errors) && body.errors.length > 0 }).toEqual({
      label,
      errors: true,
    });
  }

  async function signInWithMicrosoft(userPrincipalName: string): Promise<void> {
    const agent = createTrustingAgent(m365.emulator.caPem);
    const emulator = async (url: string, form?: Record<string, string>) => {
      const response = await fetch(url, {
        method: form ? 'POST' : 'GET',
        ...(form
          ? {
              body: new URLSearchParams(form),
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
            }
          : {}),
        redirect: 'manual',
        dispatcher: agent,
      });
      return response.text();
    };
    const login = await t
      .http()
      .get(
        `/api/microsoft365/sso/login?tenant=${tenantA.tenant.id}&login_hint=${encodeURIComponent(userPrincipalName)}`,
      )
      .expect(302);
    const cookie = String(login.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
    const page = await emulator(String(login.headers.location));
    const ctx = /name="ctx" id="ctx" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const action = /id="signInForm" name="f1" method="post" action="([^"]+)"/.exec(page)?.[1] ?? '';
    const posted = await emulator(`${m365.emulator.baseUrl}${action}`, {
      ctx,
      loginfmt: userPrincipalName,
      passwd: m365.seeded.password,
    });
    const form = Object.fromEntries(
      [...posted.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)" \/>/g)].map((m) => [
        m[1] ?? '',
        (m[2] ?? '')
          .replace(/&quot;/g, '"')
          .replace(/&#39;/g, "'")
          .replace(/&amp;/g, '&'),
      ]),
    );
    const callback = await t
      .http()
      .post('/api/microsoft365/sso/callback')
      .type('form')
      .send(form)
      .set('Cookie', cookie);
    answers.push(callback.text, String(callback.headers.location));
    expect({ status: callback.status, location: String(callback.headers.location) }).toEqual({
      status: 302,
      location: expect.stringContaining('#sso_code=') as unknown,
    });
  }

  it('keeps every secret out of answers, logs and the database after real work', async () => {
    const base = `/api/microsoft365/tenants/${tenantA.tenant.id}`;
    const started = await t.as(tenantA.adminToken).post(`${base}/user-sync/runs`).send({}).expect(202);
    let run = started.body as { id: string; status: string };
    for (let i = 0; run.status === 'RUNNING' && i < 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      run = (await t.as(tenantA.adminToken).get(`${base}/user-sync/runs/${run.id}`)).body as typeof run;
    }
    expect(run.status).toBe('SUCCEEDED');
    // A contact sync (mailbox reads with the app token) and a mail sent through Graph (sendMail with a token).
    const contactRun = await t.as(tenantA.adminToken).post(`${base}/contact-sync/runs`).send({}).expect(202);
    let contacts = contactRun.body as { id: string; status: string; counts: Record<string, number> };
    for (let i = 0; contacts.status === 'RUNNING' && i < 400; i++) {
      await new Promise((r) => setTimeout(r, 50));
      contacts = (await t.as(tenantA.adminToken).get(`${base}/contact-sync/runs/${contacts.id}`))
        .body as typeof contacts;
    }
    expect(contacts.status).toBe('SUCCEEDED');
    expect(contacts.counts['contacts.upserted']).toBeGreaterThan(0);
    const mailbox = m365.seeded.sampleUserPrincipalNames[0] ?? '';
    await t
      .as(tenantA.adminToken)
      .patch(`${base}/mail/settings`)
      .send({ senderAddress: mailbox, enabled: true })
      .expect(200);
    await t
      .as(tenantA.adminToken)
      .post(`${base}/mail/test-mail`)
      .send({ to: 'secrets-check@example.com' })
      .expect(200);
    expect(m365.emulator.control.listSentMail({ tenant: m365.seeded.tenantId }).length).toBeGreaterThan(0);
    await t.as(tenantA.adminToken).post(`${base}/connection-test`).expect(200);

    // "Sign in with Microsoft" as a browser does it: the module redeems the code with a client assertion and
    // checks the ID token it gets back.
    await signInWithMicrosoft(m365.seeded.sampleUserPrincipalNames[1] ?? '');

    const dump: string[] = [];
    const connection = t.orm.em.fork().getConnection();
    const tables = await connection.execute<{ table_name: string }[]>(
      "select table_name from information_schema.tables where table_schema = 'public'",
    );
    for (const { table_name } of tables) {
      const rows = await connection.execute<{ row: string }[]>(
        `select t::text as row from "${table_name}" t`,
      );
      dump.push(...rows.map((r) => r.row));
    }
    const haystacks = { answers: answers.join('\n'), logs: captured.join(''), database: dump.join('\n') };
    expect(haystacks.database).toContain('BEGIN CERTIFICATE');
    for (const [where, text] of Object.entries(haystacks)) {
      expect({ where, privateKey: text.includes('PRIVATE KEY') }).toEqual({ where, privateKey: false });
      // Access tokens, ID tokens and client assertions are all JWTs.
      expect({ where, jwt: /eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\./.test(text) }).toEqual({
        where,
        jwt: false,
      });
    }
    reportScenario('secrets after real work', {
      itemsVerified: dump.length + captured.length + answers.length,
    });
    expect(calls).toBeGreaterThan(100);
  });
});

const SSO_CALLBACK = 'http://pbx.test/api/microsoft365/sso/callback';

/** The status itself when it is one of the expected ones, so a mismatch shows the operation and what came back. */
function oneOf(status: number, ...expected: number[]): number | string {
  return expected.includes(status) ? status : `one of ${expected.join('/')}`;
}
