import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetch } from 'undici';
import { DEFAULT_SEED_PERMISSIONS, MAILBOX_SEED_PERMISSIONS } from './seed/directory.seeder';
import { EmulatorFixture, type FetchResult } from './testing/emulator.fixture';
import { WebhookReceiver } from './testing/webhook.receiver';

/**
 * The emulator against the examples in Microsoft's Graph documentation.
 *
 * Each file in ../fixtures/microsoft-docs is one documented example: the page it comes from, the request and
 * the response, the JSON kept verbatim. Every test sends the analogous request to a running emulator and
 * compares the SHAPE of the answer with the documented one:
 *
 * - the status is the same;
 * - every property of the documented body is present in the emulator's body, with the same JSON type
 *   (string, number, boolean, null, object, array); property names are exact, `@odata.*` annotations and
 *   `@removed` included; values (ids, dates, URLs, names) naturally differ and are not compared;
 * - a documented `null` is an unset nullable property: the emulator may answer null or any scalar there
 *   (the reverse, null where Microsoft shows a value, is a difference);
 * - arrays are compared by the shape of their first element; in delta payloads live entries and `@removed`
 *   entries are compared separately (first of each kind), and `$batch` responses are matched by `id`;
 * - documented response headers must be present (HTTP header names compare case-insensitively).
 *
 * Where the emulator legitimately lacks something Microsoft's example has, the difference is listed in the
 * test as a named exception with a one-line reason; an exception that no longer occurs fails the test too.
 */

type Row = Record<string, unknown>;

interface MicrosoftExample {
  readonly source: string;
  readonly note?: string;
  readonly request: {
    readonly method: string;
    readonly url: string;
    readonly headers?: Record<string, string>;
    readonly body?: unknown;
  };
  readonly response: {
    readonly status: number;
    readonly headers?: Record<string, string>;
    readonly body?: unknown;
  };
}

/** Path of a difference → why the emulator differs there. */
type KnownExceptions = Readonly<Record<string, string>>;

type JsonType = 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array' | 'absent';

const FIXTURE_DIR = join(__dirname, '..', 'fixtures', 'microsoft-docs');

function example(name: string): MicrosoftExample {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, `${name}.json`), 'utf8')) as MicrosoftExample;
}

function jsonType(value: unknown): JsonType {
  if (value === undefined) return 'absent';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean' ? type : 'object';
}

const isScalar = (type: JsonType): boolean => type === 'string' || type === 'number' || type === 'boolean';

const isRemoved = (value: unknown): boolean =>
  jsonType(value) === 'object' && Object.prototype.hasOwnProperty.call(value, '@removed');

interface ShapeOptions {
  /** Arrays (by path) whose elements are matched by a key property instead of by position. */
  readonly keyedArrays?: Readonly<Record<string, string>>;
}

/** Every way the actual body misses the documented shape, keyed by path (e.g. `value[].id`). */
function shapeDifferences(
  documented: unknown,
  actual: unknown,
  options: ShapeOptions = {},
): Map<string, string> {
  const differences = new Map<string, string>();
  const child = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);
  const walk = (doc: unknown, act: unknown, path: string): void => {
    const docType = jsonType(doc);
    const actType = jsonType(act);
    if (actType === 'absent') {
      differences.set(path, `documented ${docType}, missing in the emulator's answer`);
      return;
    }
    if (docType === 'null') {
      if (actType !== 'null' && !isScalar(actType))
        differences.set(path, `documented null (a scalar), emulator ${actType}`);
      return;
    }
    if (docType !== actType) {
      differences.set(path, `documented ${docType}, emulator ${actType}`);
      return;
    }
    if (docType === 'object') {
      const docObject = doc as Row;
      const actObject = act as Row;
      for (const key of Object.keys(docObject)) walk(docObject[key], actObject[key], child(path, key));
      return;
    }
    if (docType !== 'array') return;
    const docItems = doc as unknown[];
    const actItems = act as unknown[];
    const key = options.keyedArrays?.[path];
    if (key !== undefined) {
      for (const item of docItems) {
        const id = (item as Row)[key];
        walk(
          item,
          actItems.find((candidate) => jsonType(candidate) === 'object' && (candidate as Row)[key] === id),
          `${path}[${key}=${String(id)}]`,
        );
      }
      return;
    }
    for (const removed of [false, true]) {
      const first = docItems.find((item) => isRemoved(item) === removed);
      if (first === undefined) continue;
      const label = `${path}[${removed ? '@removed' : ''}]`;
      const counterpart = actItems.find((item) => isRemoved(item) === removed);
      if (counterpart === undefined) {
        differences.set(
          label,
          `documented a${removed ? 'n @removed' : ''} ${jsonType(first)} element, the emulator's array has none`,
        );
      } else {
        walk(first, counterpart, label);
      }
    }
  };
  walk(documented, actual, '');
  return differences;
}

/** Status, documented headers and body shape; differences must be exactly the named exceptions. */
function expectDocumentedShape(
  documented: MicrosoftExample,
  actual: FetchResult,
  exceptions: KnownExceptions = {},
  options: ShapeOptions = {},
): void {
  expect({ source: documented.source, status: actual.status }).toEqual({
    source: documented.source,
    status: documented.response.status,
  });
  const differences = shapeDifferences(documented.response.body, actual.json, options);
  for (const name of Object.keys(documented.response.headers ?? {})) {
    if (actual.headers.get(name) === null)
      differences.set(`header ${name}`, "documented response header, missing in the emulator's answer");
  }
  const unexplained = [...differences]
    .filter(([path]) => !(path in exceptions))
    .map(([path, difference]) => `${path}: ${difference}`);
  const stale = Object.keys(exceptions).filter((path) => !differences.has(path));
  expect({ source: documented.source, unexplained, stale }).toEqual({
    source: documented.source,
    unexplained: [],
    stale: [],
  });
}

describe('shape comparison used below', () => {
  it('reports missing properties, type changes and missing @removed entries; tolerates documented nulls', () => {
    const documented = {
      '@odata.deltaLink': 'https://graph.microsoft.com/v1.0/users/delta?$deltatoken=a',
      value: [
        { id: 'a', displayName: 'A', jobTitle: null, businessPhones: ['1'] },
        { id: 'b', '@removed': { reason: 'changed' } },
      ],
    };
    const actual = {
      value: [{ id: 'x', displayName: 7, jobTitle: 'Clerk', businessPhones: [] }],
    };
    expect(Object.fromEntries(shapeDifferences(documented, actual))).toEqual({
      '@odata.deltaLink': "documented string, missing in the emulator's answer",
      'value[].displayName': 'documented string, emulator number',
      'value[].businessPhones[]': "documented a string element, the emulator's array has none",
      'value[@removed]': "documented an @removed object element, the emulator's array has none",
    });
    expect(shapeDifferences({ value: [{ mail: 'a@b' }] }, { value: [{ mail: null }] })).toEqual(
      new Map([['value[].mail', 'documented string, emulator null']]),
    );
  });
});

describe("the emulator against Microsoft's documented examples (shape)", () => {
  let fixture: EmulatorFixture;
  let receiver: WebhookReceiver;
  let token: string;
  let upn: string;
  let otherUpn: string;

  beforeAll(async () => {
    fixture = await EmulatorFixture.start({
      emulator: { webhooks: { validationTimeoutMs: 2_000, batchDelayMs: 20, retryDelaysMs: [50] } },
      seed: {
        users: 250,
        departments: 3,
        groupDepth: 1,
        photos: 0.5,
        contactsPerUser: 5,
        eventsPerUser: 0,
        app: { permissions: [...DEFAULT_SEED_PERMISSIONS, ...MAILBOX_SEED_PERMISSIONS] },
      },
    });
    receiver = await WebhookReceiver.start();
    token = await fixture.token();
    [upn = '', otherUpn = ''] = fixture.seeded.sampleUserPrincipalNames;
  });

  afterAll(async () => {
    await receiver.close();
    await fixture.close();
  });

  const control = () => fixture.emulator.control;
  const tenant = () => fixture.tenantId;
  const graph = (
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
  ) =>
    fixture.graph(path, {
      token,
      method: init.method,
      headers: {
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...init.headers,
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  const liveUsers = () => control().tenant(tenant()).users.all();
  /** Users the test may change or delete: not the two mailboxes the Outlook examples use. */
  const spareUsers = () =>
    liveUsers().filter(
      (user) => user.fields.userPrincipalName !== upn && user.fields.userPrincipalName !== otherUpn,
    );
  /** A deltaLink that starts "from now" ($deltatoken=latest), so the next round sees only what the test changes. */
  const latestDeltaLink = async (query: string): Promise<string> => {
    const page = await graph(`${query}&$deltatoken=latest`);
    expect(page.status).toBe(200);
    return String(page.json['@odata.deltaLink']);
  };

  it('user-list: GET /users', async () => {
    expectDocumentedShape(example('user-list'), await graph('/users'));
  });

  it('profilephoto-get: GET /users/{id}/photo (metadata)', async () => {
    const withPhoto = liveUsers().find((user) => user.photo !== undefined);
    expectDocumentedShape(example('profilephoto-get'), await graph(`/users/${withPhoto?.id ?? ''}/photo`));
  });

  it('user-delta: a page with @odata.nextLink and an @removed entry', async () => {
    const deltaLink = await latestDeltaLink('/users/delta?$select=displayName,givenName,surname');
    // Graph may list removed users in any round; the emulator lists them in change rounds, so the analogous
    // page is the first page of a change round larger than a page (200 entries), which needs a nextLink.
    const [gone, ...rest] = spareUsers();
    control().deleteUser({ tenant: tenant(), user: gone?.id ?? '', permanent: true });
    for (const user of rest.slice(0, 210)) {
      control().updateUser({
        tenant: tenant(),
        user: user.id,
        changes: { surname: `${user.fields.surname ?? ''}-x` },
      });
    }
    const page = await graph(deltaLink);
    expect(page.json['@odata.nextLink']).toEqual(expect.stringContaining('$skiptoken='));
    expectDocumentedShape(example('user-delta'), page);
  });

  it('user-delta-deltalink: the last page of a change round, with @odata.deltaLink and @removed "changed"', async () => {
    const deltaLink = await latestDeltaLink('/users/delta?$select=displayName,givenName,surname');
    const [changed, softDeleted] = spareUsers().slice(-2);
    control().updateUser({ tenant: tenant(), user: changed?.id ?? '', changes: { givenName: 'MOD' } });
    control().deleteUser({ tenant: tenant(), user: softDeleted?.id ?? '' });
    expectDocumentedShape(example('user-delta-deltalink'), await graph(deltaLink));
  });

  it('group-delta: GET /groups/delta without $select includes members@delta', async () => {
    // Microsoft's tenant has more groups than fit on a page; so does this one after 100 more groups.
    for (let index = 0; index < 100; index++) {
      control().createGroup({ tenant: tenant(), group: { displayName: `Example group ${index}` } });
    }
    const securityGroup =
      "the emulator's first group is a seeded security group; Microsoft's is a Microsoft 365 group";
    expectDocumentedShape(example('group-delta'), await graph('/groups/delta'), {
      'value[].mail': `${securityGroup} (security groups have no mail)`,
      'value[].groupTypes[]': `${securityGroup} (its groupTypes is empty, not ["Unified"])`,
    });
  });

  it('group-delta-members: a deltaLink round with one member removed and one added', async () => {
    const deltaLink = await latestDeltaLink('/groups/delta?$select=displayName,description&$expand=members');
    const group = control().tenant(tenant()).groups.find(fixture.seeded.rootGroupId);
    const [leaving] = [...(group?.members.keys() ?? [])];
    const joining = liveUsers().find((user) => !group?.members.has(user.id));
    control().removeGroupMember({ tenant: tenant(), group: group?.id ?? '', member: leaving ?? '' });
    control().addGroupMember({ tenant: tenant(), group: group?.id ?? '', member: joining?.id ?? '' });
    expectDocumentedShape(example('group-delta-members'), await graph(deltaLink));
  });

  it('json-batching: five items answering 200, 403, 403, 405 and 200 (with @odata.count)', async () => {
    const documented = example('json-batching');
    // The documented items (/me, Planner, deleting a group, a beta-only action) are not what an app-only PBX
    // emulator serves; each analogous item produces the same status and the same kind of body:
    // 1 memberOf with a nextLink, 2 an Outlook route without its permission, 3 a directory route without its
    // permission, 4 a method the target does not allow, 5 the documented advanced query verbatim.
    const member = liveUsers().find(
      (user) => control().tenant(tenant()).groups.groupsOf(user.id).length >= 2,
    );
    const group = fixture.seeded.rootGroupId;
    control().revokePermissions({
      tenant: tenant(),
      clientId: fixture.clientId,
      permissions: ['GroupMember.Read.All', 'Contacts.Read'],
    });
    try {
      const restricted = await fixture.token();
      const requests = (documented.request.body as { requests: Row[] }).requests;
      const analogous: Record<string, Row> = {
        '1': { url: `/users/${member?.id ?? ''}/memberOf?$top=1` },
        '2': { url: `/users/${upn}/contacts` },
        '3': { method: 'GET', url: `/groups/${group}` },
        '4': { url: `/users/${member?.id ?? ''}` },
        '5': {},
      };
      const body = { requests: requests.map((item) => ({ ...item, ...analogous[String(item['id'])] })) };
      const result = await fixture.graph('/$batch', {
        token: restricted,
        method: 'POST',
        headers: documented.request.headers,
        body: JSON.stringify(body),
      });
      expectDocumentedShape(
        documented,
        result,
        {
          'responses[id=1].body.value[].roleTemplateId':
            'memberOf lists groups here; the emulator models no directory roles (roleTemplateId is a directoryRole property)',
          'responses[id=2].headers.X-ProxyCluster':
            'Planner-specific routing header; Planner is not emulated',
          'responses[id=2].headers.X-OfficeCluster':
            'Planner-specific routing header; Planner is not emulated',
          'responses[id=2].headers.X-Tasks-CorrelationId':
            'Planner-specific correlation header; Planner is not emulated',
          'responses[id=4].headers.x-ms-resource-unit':
            'the emulator answers 405 from its router before authenticating, so no resource units are charged',
        },
        { keyedArrays: { responses: 'id' } },
      );
    } finally {
      control().grantPermissions({
        tenant: tenant(),
        clientId: fixture.clientId,
        permissions: ['GroupMember.Read.All', 'Contacts.Read'],
      });
    }
  });

  it('error-response: an upload-session chunk overlapping received bytes (416 invalidRange)', async () => {
    const draft = await graph(`/users/${upn}/messages`, {
      method: 'POST',
      body: { subject: 'Recording', body: { contentType: 'Text', content: 'x' }, toRecipients: [] },
    });
    expect(draft.status).toBe(201);
    const size = 3 * 1024 * 1024 + 1;
    const session = await graph(
      `/users/${upn}/messages/${String(draft.json['id'])}/attachments/createUploadSession`,
      {
        method: 'POST',
        body: { AttachmentItem: { attachmentType: 'file', name: 'call.wav', size } },
      },
    );
    expect(session.status).toBe(201);
    const put = (start: number, end: number) =>
      fetch(String(session.json['uploadUrl']), {
        method: 'PUT',
        dispatcher: fixture.agent,
        headers: {
          'content-type': 'application/octet-stream',
          'content-range': `bytes ${start}-${end}/${size}`,
        },
        body: Buffer.alloc(end - start + 1, 1),
      });
    expect((await put(0, 1023)).status).toBe(200);
    const overlap = await put(512, 2047);
    const json = (await overlap.json()) as Row;
    expectDocumentedShape(example('error-response'), {
      status: overlap.status,
      headers: overlap.headers,
      json,
      text: JSON.stringify(json),
      bytes: Buffer.alloc(0),
    });
  });

  it('throttling-429: a throttled request answers 429 with Retry-After and TooManyRequests', async () => {
    control().throttleNext({ count: 1, route: '^/v1.0/users$', retryAfterSeconds: 10 });
    const throttled = await graph('/users');
    expect(throttled.headers.get('retry-after')).toBe('10');
    expectDocumentedShape(example('throttling-429'), throttled);
  });

  it('contact-delta: a per-folder delta page with @odata.nextLink (Prefer: odata.maxpagesize=2)', async () => {
    const folder = control().addContactFolder({ tenant: tenant(), user: upn, displayName: 'Delta examples' });
    for (const name of ['Ada', 'Grace', 'Edsger']) {
      control().addContact({
        tenant: tenant(),
        user: upn,
        folderId: folder.id,
        contact: { displayName: name },
      });
    }
    const documented = example('contact-delta');
    const page = await graph(`/users/${upn}/contactFolders/${folder.id}/contacts/delta?$select=displayName`, {
      headers: documented.request.headers,
    });
    const selectExcludes = "Microsoft's example shows it although its own request selects only displayName";
    expectDocumentedShape(documented, page, {
      'value[].parentFolderId': selectExcludes,
      'value[].birthday': selectExcludes,
      'value[].fileAs': selectExcludes,
      'value[].givenName': selectExcludes,
      'value[].initials': selectExcludes,
    });
  });

  it('calendar-getschedule: the documented body, for two mailboxes, with the documented lunch', async () => {
    const documented = example('calendar-getschedule');
    control().addEvent({
      tenant: tenant(),
      user: upn,
      event: {
        subject: "Let's go for lunch",
        location: "Harry's Bar",
        showAs: 'busy',
        start: { dateTime: '2019-03-15T12:00:00', timeZone: 'Pacific Standard Time' },
        end: { dateTime: '2019-03-15T14:00:00', timeZone: 'Pacific Standard Time' },
      },
    });
    const result = await graph(`/users/${upn}/calendar/getSchedule`, {
      method: 'POST',
      headers: documented.request.headers,
      body: { ...(documented.request.body as Row), schedules: [upn, otherUpn] },
    });
    expectDocumentedShape(documented, result);
    expect((result.json['value'] as Row[])[0]?.['availabilityView']).toBe('000220000');
  });

  it('subscription-post-subscriptions: 201 with the subscription', async () => {
    const documented = example('subscription-post-subscriptions');
    // Mail subscriptions are not emulated; a contacts subscription is the Outlook resource that takes "created".
    const created = await graph('/subscriptions', {
      method: 'POST',
      body: {
        ...(documented.request.body as Row),
        notificationUrl: receiver.url('/notify'),
        resource: `users/${upn}/contacts`,
        expirationDateTime: new Date(control().getClock().epochMs + 60 * 60_000).toISOString(),
      },
    });
    expectDocumentedShape(documented, created);
    await graph(`/subscriptions/${String(created.json['id'])}`, { method: 'DELETE' });
  });
});
