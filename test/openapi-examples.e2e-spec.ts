import { MAILBOX_SEED_PERMISSIONS } from '@pbx/m365-emulator';
import { createTestApp, type TenantWithAdmin, type TestApp } from '@pbx/test/support/create-test-app';
import {
  connectTenant,
  type EmulatedMicrosoft365,
  startEmulatedMicrosoft365,
} from '@pbx/test/support/microsoft365-test-env';

interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  example?: unknown;
  default?: unknown;
  minimum?: number;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
}

interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  example?: unknown;
  schema?: Schema;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: {
    content?: Record<string, { schema?: Schema; examples?: Record<string, { value: unknown }> }>;
  };
  security?: Record<string, string[]>[];
}

interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes?: Record<string, Record<string, unknown>> };
}

/** The sign-in pages and Graph's webhooks are not for "Try it out": a browser or Microsoft calls them. */
const NOT_FOR_ADMINS = /\/microsoft365\/(sso\/(login|callback|app\/|logout)|notifications($|\/lifecycle))/;

/**
 * What Swagger UI's "Try it out" sends, as its sample generator builds it: an example where the document gives
 * one, else the default, else the first enum value, else a placeholder by type and format ("string", the minimum
 * or 0, true).
 */
function sample(schema: Schema | undefined, components: Record<string, Schema>, depth = 0): unknown {
  if (!schema || depth > 8) return undefined;
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (schema.$ref) return sample(components[schema.$ref.split('/').pop() ?? ''], components, depth + 1);
  const combined = schema.allOf?.[0] ?? schema.oneOf?.[0] ?? schema.anyOf?.[0];
  if (combined) return sample(combined, components, depth + 1);
  if (schema.enum?.length) return schema.enum[0];
  switch (schema.type) {
    case 'string':
      return (
        {
          'date-time': '2026-12-01T10:00:00.000Z',
          date: '2026-12-01',
          email: 'user@example.com',
          uuid: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
        }[schema.format ?? ''] ?? 'string'
      );
    case 'number':
    case 'integer':
      return schema.minimum ?? 0;
    case 'boolean':
      return true;
    case 'array':
      return [sample(schema.items, components, depth + 1)];
    default:
      if (schema.properties) {
        return Object.fromEntries(
          Object.entries(schema.properties).map(([name, property]) => [
            name,
            sample(property, components, depth + 1),
          ]),
        );
      }
      return { additionalProp1: {} };
  }
}

/**
 * "Try it out" with the document's own examples: every module operation that takes input is called with exactly
 * what Swagger UI would send, as the tenant's admin, and must not answer 400. An example the route refuses fails
 * this test, whichever operation it belongs to.
 */
describe('OpenAPI: every documented example is accepted by its route', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  let tenant: TenantWithAdmin;
  let document: OpenApiDocument;

  beforeAll(async () => {
    m365 = await startEmulatedMicrosoft365({ users: 5, contactsPerUser: 1 });
    t = await createTestApp({ microsoft365: m365.moduleOptions, swagger: true });
    tenant = await t.createTenantWithAdmin();
    await connectTenant(t, m365, tenant, {
      permissions: ['User.Read.All', 'GroupMember.Read.All', ...MAILBOX_SEED_PERMISSIONS],
      settings: { features: { mail: true, userSync: true, personalContacts: true } },
    });
    document = (await t.http().get('/api/docs-json').expect(200)).body as OpenApiDocument;
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
  });

  it('serves the document at /api/docs-json and /api/docs/json, with a bearer scheme for opaque tokens', async () => {
    const legacy = (await t.http().get('/api/docs/json').expect(200)).body as OpenApiDocument;
    expect(Object.keys(legacy.paths)).toEqual(Object.keys(document.paths));
    const schemes = Object.values(document.components.securitySchemes ?? {});
    expect(schemes).toEqual([expect.objectContaining({ type: 'http', scheme: 'bearer' })]);
    expect(schemes[0]).not.toHaveProperty('bearerFormat');
  });

  it('types every request field: no bare object where the API takes a string, number or list', () => {
    const components = document.components.schemas;
    const bare: string[] = [];
    const visit = (schema: Schema | undefined, where: string, seen: Set<string>) => {
      if (!schema) return;
      if (schema.$ref) {
        const name = schema.$ref.split('/').pop() ?? '';
        if (!seen.has(name)) visit(components[name], where, new Set([...seen, name]));
        return;
      }
      if (schema.type === 'object' && !schema.properties) bare.push(where);
      for (const [name, property] of Object.entries(schema.properties ?? {}))
        visit(property, `${where}.${name}`, seen);
      visit(schema.items, `${where}[]`, seen);
    };
    for (const [path, methods] of Object.entries(document.paths)) {
      if (!path.startsWith('/api/microsoft365/')) continue;
      for (const [method, operation] of Object.entries(methods))
        visit(operation.requestBody?.content?.['application/json']?.schema, `${method} ${path}`, new Set());
    }
    expect(bare).toEqual([]);
  });

  it("sends each request's documented example to its route and gets no 400", async () => {
    const components = document.components.schemas;
    const operations = Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/api/microsoft365/') && !NOT_FOR_ADMINS.test(path))
      .flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
      )
      // Deleting the configuration would end the test's own connection; it takes no input to check anyway.
      .filter(({ method }) => method !== 'delete');
    const tried: string[] = [];
    const refused: { operation: string; sent: unknown; answer: unknown }[] = [];
    const systemToken = await t.loginAsSystemAdmin();
    for (const { path, method, operation } of operations) {
      const parameters = operation.parameters ?? [];
      const content = operation.requestBody?.content?.['application/json'];
      // A picker's `cursor` is only ever the `nextCursor` of a previous answer: "Try it out" leaves it empty.
      const query = parameters.filter((p) => p.in === 'query' && p.name !== 'cursor');
      if (!content && query.length === 0) continue;
      // Named examples are offered in a list, the first selected; each must work. One named `system` is for the
      // system-level configuration, and so for a system administrator.
      const bodies: [string, unknown][] = content?.examples
        ? Object.entries(content.examples).map(([name, example]) => [name, example.value])
        : [['', content ? sample(content.schema, components) : undefined]];
      for (const [name, body] of bodies) {
        const system = name === 'system';
        const url =
          path.replace(/\{(\w+)\}/g, (_match, param: string) => {
            if (param === 'pbxTenantId') return system ? 'system' : tenant.tenant.id;
            const parameter = parameters.find((p) => p.in === 'path' && p.name === param);
            return encodeURIComponent(String(parameter?.example ?? sample(parameter?.schema, components)));
          }) +
          (query.length
            ? `?${new URLSearchParams(
                query.map((p): [string, string] => [
                  p.name,
                  String(p.example ?? sample(p.schema, components)),
                ]),
              ).toString()}`
            : '');
        const agent = t.as(system ? systemToken : tenant.adminToken);
        const request = agent[method as 'get' | 'post' | 'patch' | 'put'](url);
        const answer = body === undefined ? await request : await request.send(body as object);
        const label = `${method.toUpperCase()} ${path}${name ? ` (${name})` : ''}`;
        tried.push(label);
        if (answer.status === 400) refused.push({ operation: label, sent: body ?? url, answer: answer.body });
      }
    }
    expect(refused).toEqual([]);
    expect(tried).toEqual(
      expect.arrayContaining([
        'PATCH /api/microsoft365/tenants/{pbxTenantId}/settings',
        'PATCH /api/microsoft365/tenants/{pbxTenantId}/user-sync/settings',
        'POST /api/microsoft365/tenants/{pbxTenantId}/mail/test-mail',
        'PATCH /api/microsoft365/tenants/{pbxTenantId}/contact-sync/settings',
        'PATCH /api/microsoft365/tenants/{pbxTenantId}/presence/settings',
        'PATCH /api/microsoft365/tenants/{pbxTenantId}/group-sync/settings',
        'PATCH /api/microsoft365/tenants/{pbxTenantId}/sso (system)',
        'GET /api/microsoft365/tenants/{pbxTenantId}/directory/users',
        'GET /api/microsoft365/tenants/{pbxTenantId}/directory/groups',
        'GET /api/microsoft365/tenants/{pbxTenantId}/directory/departments',
      ]),
    );
  });
});
