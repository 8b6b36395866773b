import { createTestApp, type TestApp } from '@pbx/test/support/create-test-app';

interface Ids {
  tenant: string;
  user: string;
  contact: string;
}

interface Case {
  name: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  url: (ids: Ids) => string;
  body?: unknown;
  /** The field the 400 must name, and a pattern one of its reasons must match. */
  field: string;
  reason: RegExp;
}

const NIL = '00000000-0000-0000-0000-000000000000';
const long = (length: number) => 'x'.repeat(length);
const tenantBody = { name: 'Contoso', sipDomain: 'contoso.pbx.test', timeZone: 'Europe/Berlin' };
const userBody = { username: 'dora', extension: '4711', displayName: 'Dora' };

const cases: Case[] = [
  // tenants
  {
    name: 'missing name',
    method: 'post',
    url: () => '/api/tenants',
    body: { ...tenantBody, name: undefined },
    field: 'name',
    reason: /^[a-zA-Z]+ is required$/,
  },
  {
    name: 'name of the wrong type',
    method: 'post',
    url: () => '/api/tenants',
    body: { ...tenantBody, name: 42 },
    field: 'name',
    reason: /must be a string/,
  },
  {
    name: 'blank name',
    method: 'post',
    url: () => '/api/tenants',
    body: { ...tenantBody, name: '   ' },
    field: 'name',
    reason: /should not be empty/,
  },
  {
    name: 'oversized name',
    method: 'post',
    url: () => '/api/tenants',
    body: { ...tenantBody, name: long(201) },
    field: 'name',
    reason: /shorter than or equal to 200/,
  },
  {
    name: 'SIP domain that is no domain',
    method: 'post',
    url: () => '/api/tenants',
    body: { ...tenantBody, sipDomain: 'not a domain' },
    field: 'sipDomain',
    reason: /must be a domain name/,
  },
  {
    name: 'SIP domain without TLD',
    method: 'post',
    url: () => '/api/tenants',
    body: { ...tenantBody, sipDomain: 'localhost' },
    field: 'sipDomain',
    reason: /must be a domain name/,
  },
  {
    name: 'unknown time zone',
    method: 'post',
    url: () => '/api/tenants',
    body: { ...tenantBody, timeZone: 'Mars/Olympus_Mons' },
    field: 'timeZone',
    reason: /IANA time zone/,
  },
  {
    name: 'extra field',
    method: 'post',
    url: () => '/api/tenants',
    body: { ...tenantBody, plan: 'gold' },
    field: 'plan',
    reason: /should not exist/,
  },
  {
    name: 'malformed tenant id',
    method: 'get',
    url: () => '/api/tenants/not-a-uuid',
    field: 'tenantId',
    reason: /must be a UUID/,
  },
  {
    name: 'null name on update',
    method: 'patch',
    url: (i) => `/api/tenants/${i.tenant}`,
    body: { name: null },
    field: 'name',
    reason: /must be a string/,
  },
  {
    name: 'page size 0',
    method: 'get',
    url: () => '/api/tenants?limit=0',
    field: 'limit',
    reason: /must not be less than 1/,
  },
  {
    name: 'page size not a number',
    method: 'get',
    url: () => '/api/tenants?limit=ten',
    field: 'limit',
    reason: /must be an integer/,
  },
  {
    name: 'page size too large',
    method: 'get',
    url: () => '/api/tenants?limit=100000',
    field: 'limit',
    reason: /must not be greater than 200/,
  },
  {
    name: 'negative offset',
    method: 'get',
    url: () => '/api/tenants?offset=-1',
    field: 'offset',
    reason: /must not be less than 0/,
  },
  {
    name: 'unknown query parameter',
    method: 'get',
    url: () => '/api/tenants?sort=name',
    field: 'sort',
    reason: /should not exist/,
  },
  // users
  {
    name: 'extension too short',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/users`,
    body: { ...userBody, extension: '12' },
    field: 'extension',
    reason: /3 to 13 digits/,
  },
  {
    name: 'extension too long',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/users`,
    body: { ...userBody, extension: '12345678901234' },
    field: 'extension',
    reason: /3 to 13 digits/,
  },
  {
    name: 'extension with letters',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/users`,
    body: { ...userBody, extension: '12a4' },
    field: 'extension',
    reason: /3 to 13 digits/,
  },
  {
    name: 'extension as a number',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/users`,
    body: { ...userBody, extension: 4711 },
    field: 'extension',
    reason: /must be a string/,
  },
  {
    name: 'missing extension',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/users`,
    body: { ...userBody, extension: undefined },
    field: 'extension',
    reason: /^[a-zA-Z]+ is required$/,
  },
  {
    name: 'missing username',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/users`,
    body: { ...userBody, username: undefined },
    field: 'username',
    reason: /^[a-zA-Z]+ is required$/,
  },
  {
    name: 'username with spaces',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/users`,
    body: { ...userBody, username: 'dora the explorer' },
    field: 'username',
    reason: /only letters, digits/,
  },
  {
    name: 'oversized username',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/users`,
    body: { ...userBody, username: long(65) },
    field: 'username',
    reason: /shorter than or equal to 64/,
  },
  {
    name: 'oversized display name',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/users`,
    body: { ...userBody, displayName: long(257) },
    field: 'displayName',
    reason: /shorter than or equal to 256/,
  },
  {
    name: 'system-admin role inside a tenant',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/users`,
    body: { ...userBody, role: 'system-admin' },
    field: 'role',
    reason: /must be one of tenant-admin, user/,
  },
  {
    name: 'malformed email',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/users`,
    body: { ...userBody, email: 'dora-at-contoso' },
    field: 'email',
    reason: /must be an email/,
  },
  {
    name: 'malformed UPN',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/users`,
    body: { ...userBody, userPrincipalName: 'dora' },
    field: 'userPrincipalName',
    reason: /name@domain/,
  },
  {
    name: 'business phones not a list',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/users`,
    body: { ...userBody, businessPhones: '+1 555' },
    field: 'businessPhones',
    reason: /must be an array/,
  },
  {
    name: 'business phone of the wrong type',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/users`,
    body: { ...userBody, businessPhones: [5550100] },
    field: 'businessPhones',
    reason: /must be a string/,
  },
  {
    name: 'business phone with letters',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/users`,
    body: { ...userBody, businessPhones: ['call me'] },
    field: 'businessPhones',
    reason: /only digits/,
  },
  {
    name: 'too many business phones',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/users`,
    body: { ...userBody, businessPhones: Array(11).fill('1') },
    field: 'businessPhones',
    reason: /no more than 10/,
  },
  {
    name: 'enabled as a string',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/users`,
    body: { ...userBody, enabled: 'yes' },
    field: 'enabled',
    reason: /boolean/,
  },
  {
    name: 'short password',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/users`,
    body: { ...userBody, password: 'short' },
    field: 'password',
    reason: /longer than or equal to 8/,
  },
  {
    name: 'voicemail PIN of 2 digits',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/users`,
    body: { ...userBody, voicemailPin: '12' },
    field: 'voicemailPin',
    reason: /4 to 10 digits/,
  },
  {
    name: 'malformed language tag',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/users`,
    body: { ...userBody, preferredLanguage: 'english!' },
    field: 'preferredLanguage',
    reason: /language tag/,
  },
  {
    name: 'password hash smuggled in',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/users`,
    body: { ...userBody, passwordHash: 'scrypt$1$1$1$x$y' },
    field: 'passwordHash',
    reason: /should not exist/,
  },
  {
    name: 'tenant smuggled in',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/users`,
    body: { ...userBody, tenantId: NIL },
    field: 'tenantId',
    reason: /should not exist/,
  },
  {
    name: 'malformed user id',
    method: 'get',
    url: (i) => `/api/tenants/${i.tenant}/users/123`,
    field: 'userId',
    reason: /must be a UUID/,
  },
  {
    name: 'malformed user id on enable',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/users/123/enable`,
    field: 'userId',
    reason: /must be a UUID/,
  },
  {
    name: 'malformed user id on photo',
    method: 'get',
    url: (i) => `/api/tenants/${i.tenant}/users/123/photo`,
    field: 'userId',
    reason: /must be a UUID/,
  },
  {
    name: 'display name cleared',
    method: 'patch',
    url: (i) => `/api/tenants/${i.tenant}/users/${i.user}`,
    body: { displayName: null },
    field: 'displayName',
    reason: /must be a string/,
  },
  {
    name: 'extension changed to garbage',
    method: 'patch',
    url: (i) => `/api/tenants/${i.tenant}/users/${i.user}`,
    body: { extension: '1-2-3' },
    field: 'extension',
    reason: /3 to 13 digits/,
  },
  {
    name: 'enabled cleared',
    method: 'patch',
    url: (i) => `/api/tenants/${i.tenant}/users/${i.user}`,
    body: { enabled: null },
    field: 'enabled',
    reason: /boolean/,
  },
  {
    name: 'oversized search',
    method: 'get',
    url: (i) => `/api/tenants/${i.tenant}/users?search=${long(101)}`,
    field: 'search',
    reason: /shorter than or equal to 100/,
  },
  // contacts
  {
    name: 'contact without display name',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/contacts`,
    body: { company: 'Fabrikam' },
    field: 'displayName',
    reason: /^[a-zA-Z]+ is required$/,
  },
  {
    name: 'contact with a malformed email',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/contacts`,
    body: { displayName: 'Dana', emailAddresses: ['dana'] },
    field: 'emailAddresses',
    reason: /must be an email/,
  },
  {
    name: 'contact home phones not a list',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/contacts`,
    body: { displayName: 'Dana', homePhones: 12 },
    field: 'homePhones',
    reason: /must be an array/,
  },
  {
    name: 'external id set by hand',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/contacts`,
    body: { displayName: 'Dana', externalId: 'x' },
    field: 'externalId',
    reason: /should not exist/,
  },
  {
    name: 'oversized company',
    method: 'post',
    url: (i) => `/api/tenants/${i.tenant}/users/${i.user}/contacts`,
    body: { displayName: 'Dana', company: long(257) },
    field: 'company',
    reason: /shorter than or equal to 256/,
  },
  {
    name: 'malformed contact id',
    method: 'patch',
    url: (i) => `/api/tenants/${i.tenant}/contacts/42`,
    body: {},
    field: 'contactId',
    reason: /must be a UUID/,
  },
  {
    name: 'malformed personal contact id',
    method: 'delete',
    url: (i) => `/api/tenants/${i.tenant}/users/${i.user}/contacts/42`,
    field: 'contactId',
    reason: /must be a UUID/,
  },
  {
    name: 'malformed user in personal contacts',
    method: 'get',
    url: (i) => `/api/tenants/${i.tenant}/users/me/contacts`,
    field: 'userId',
    reason: /must be a UUID/,
  },
  // presence
  {
    name: 'unknown presence status',
    method: 'put',
    url: (i) => `/api/tenants/${i.tenant}/users/${i.user}/presence`,
    body: { status: 'BUSY' },
    field: 'status',
    reason: /must be one of AVAILABLE, AWAY, DND/,
  },
  {
    name: 'missing presence status',
    method: 'put',
    url: (i) => `/api/tenants/${i.tenant}/users/${i.user}/presence`,
    body: {},
    field: 'status',
    reason: /^[a-zA-Z]+ is required$/,
  },
  {
    name: 'presence page size',
    method: 'get',
    url: (i) => `/api/tenants/${i.tenant}/presence?limit=-5`,
    field: 'limit',
    reason: /must not be less than 1/,
  },
  // auth
  {
    name: 'login without username',
    method: 'post',
    url: () => '/api/auth/login',
    body: { password: 'x' },
    field: 'username',
    reason: /^[a-zA-Z]+ is required$/,
  },
  {
    name: 'login with a numeric password',
    method: 'post',
    url: () => '/api/auth/login',
    body: { username: 'admin', password: 1234 },
    field: 'password',
    reason: /must be a string/,
  },
  {
    name: 'login with a malformed SIP domain',
    method: 'post',
    url: () => '/api/auth/login',
    body: { username: 'a', password: 'b', sipDomain: 'no domain' },
    field: 'sipDomain',
    reason: /domain name/,
  },
];

describe('bad input', () => {
  let t: TestApp;
  let token: string;
  let ids: Ids;

  beforeAll(async () => {
    t = await createTestApp();
    token = await t.loginAsSystemAdmin();
    const tenant = await t.createTenant(token);
    const { user } = await t.createUser(token, tenant.id);
    const contact = await t
      .as(token)
      .post(`/api/tenants/${tenant.id}/contacts`)
      .send({ displayName: 'C' })
      .expect(201);
    ids = { tenant: tenant.id, user: user.id, contact: contact.body.id };
  });

  afterAll(() => t.close());

  it.each(cases.map((testCase) => [testCase.name, testCase] as const))(
    'answers 400 for %s',
    async (_name, testCase) => {
      const request = t.as(token)[testCase.method](testCase.url(ids));
      const response =
        testCase.body === undefined ? await request : await request.send(testCase.body as object);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        statusCode: 400,
        error: 'Bad Request',
        message: 'Validation failed',
      });
      const errors = response.body.errors as { field: string; reasons: string[] }[];
      const error = errors.find((candidate) => candidate.field === testCase.field);
      expect(error).toBeDefined();
      expect(error?.reasons.join('; ')).toMatch(testCase.reason);
    },
  );

  it('names every offending field at once', async () => {
    const response = await t
      .as(token)
      .post(`/api/tenants/${ids.tenant}/users`)
      .send({ username: '', extension: 'x', displayName: 7, surprise: true })
      .expect(400);
    expect((response.body.errors as { field: string }[]).map((error) => error.field).sort()).toEqual([
      'displayName',
      'extension',
      'surprise',
      'username',
    ]);
  });

  it.each([
    ['malformed JSON', '{"name": ', 'application/json'],
    ['a JSON array', '[]', 'application/json'],
    ['a JSON string', '"contoso"', 'application/json'],
    ['JSON null', 'null', 'application/json'],
  ])('answers 400, never 500, for %s', async (_name, raw, type) => {
    const response = await t.as(token).post('/api/tenants').set('Content-Type', type).send(raw);
    expect(response.status).toBe(400);
  });

  it('answers 415 for a photo that is not an image and 400 for an empty one', async () => {
    const url = `/api/tenants/${ids.tenant}/users/${ids.user}/photo`;
    await t.as(token).put(url).set('Content-Type', 'text/plain').send('hello').expect(415);
    await t.as(token).put(url).set('Content-Type', 'image/png').send(Buffer.alloc(0)).expect(400);
  });

  it('answers 404 for well-formed ids that do not exist', async () => {
    await t.as(token).get(`/api/tenants/${NIL}`).expect(404);
    await t.as(token).get(`/api/tenants/${NIL}/users`).expect(404);
    await t.as(token).get(`/api/tenants/${ids.tenant}/users/${NIL}`).expect(404);
    await t.as(token).get(`/api/tenants/${ids.tenant}/users/${NIL}/presence`).expect(404);
    await t.as(token).get(`/api/tenants/${ids.tenant}/users/${NIL}/contacts`).expect(404);
    await t.as(token).get(`/api/tenants/${ids.tenant}/contacts/${NIL}`).expect(404);
    await t
      .as(token)
      .delete(`/api/tenants/${ids.tenant}/users/${ids.user}/contacts/${ids.contact}`)
      .expect(404);
    await t.as(token).get(`/api/tenants/${ids.tenant}/users/${ids.user}/photo`).expect(404);
  });
});

describe('unique violations', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await createTestApp();
    token = await t.loginAsSystemAdmin();
  });

  afterAll(() => t.close());

  it('answers 409 naming the extension when it is taken in the tenant, but allows it in another', async () => {
    const tenant = await t.createTenant(token);
    const other = await t.createTenant(token);
    await t.createUser(token, tenant.id, { extension: '200' });
    const response = await t
      .as(token)
      .post(`/api/tenants/${tenant.id}/users`)
      .send({ username: 'second', extension: '200', displayName: 'Second' })
      .expect(409);
    expect(response.body).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: 'Already exists',
      errors: [{ field: 'extension', reasons: ['extension is already used by another user of this tenant'] }],
    });
    await t.createUser(token, other.id, { extension: '200' });
  });

  it('answers 409 when an update takes a used extension or username', async () => {
    const tenant = await t.createTenant(token);
    await t.createUser(token, tenant.id, { extension: '300', username: 'first' });
    const { user } = await t.createUser(token, tenant.id, { extension: '301' });
    const url = `/api/tenants/${tenant.id}/users/${user.id}`;
    expect((await t.as(token).patch(url).send({ extension: '300' }).expect(409)).body.errors[0].field).toBe(
      'extension',
    );
    expect((await t.as(token).patch(url).send({ username: 'FIRST' }).expect(409)).body.errors[0].field).toBe(
      'username',
    );
  });

  it('answers 409 naming the SIP domain when another tenant has it', async () => {
    const tenant = await t.createTenant(token);
    const response = await t
      .as(token)
      .post('/api/tenants')
      .send({ name: 'Copy', sipDomain: tenant.sipDomain.toUpperCase(), timeZone: 'UTC' })
      .expect(409);
    expect(response.body.errors).toEqual([
      { field: 'sipDomain', reasons: [expect.stringMatching(/already used/)] },
    ]);
  });

  it('keeps exactly one of two concurrent creations with the same extension', async () => {
    const tenant = await t.createTenant(token);
    const create = (username: string) =>
      t
        .as(token)
        .post(`/api/tenants/${tenant.id}/users`)
        .send({ username, extension: '555', displayName: username });
    const statuses = (await Promise.all([create('racer1'), create('racer2'), create('racer3')])).map(
      (r) => r.status,
    );
    expect(statuses.sort()).toEqual([201, 409, 409]);
  });
});
