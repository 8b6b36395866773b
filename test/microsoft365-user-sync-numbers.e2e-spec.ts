import { Injectable } from '@nestjs/common';
import { PbxDirectoryAdapter } from '@pbx/host/microsoft365/pbx-directory.adapter';
import { PBX_DIRECTORY, type PbxDirectoryPort } from '@pbx/microsoft365';
import { createTestApp, type TestApp } from '@pbx/test/support/create-test-app';
import {
  createDirectoryScenario,
  type DirectoryScenario as Scenario,
  FAST_GRAPH_RETRIES,
  fastGraphRetries,
  resetEmulatorFaults,
  runToEnd,
  startSyncTestApp,
  syncedPbxUsers,
} from '@pbx/test/support/directory-scenario';
import {
  type EmulatedMicrosoft365,
  startEmulatedMicrosoft365,
} from '@pbx/test/support/microsoft365-test-env';

interface RunBody {
  id: string;
  status: string;
  mode?: string;
  counts: Record<string, number>;
  issues: { objectId: string; severity: string; code: string; message: string }[];
  plan?: { objectId: string; extension?: string }[];
}

interface LogEntry {
  action: string;
  objectId: string;
  extension: string | null;
  reason: string | null;
  message: string | null;
}

/**
 * Issue 19, numbers: a new user's extension taken from an Entra attribute (`extensionSource`), with the allocator
 * as the fall-back when the value is empty, invalid, out of range or taken, never a duplicate.
 */
describe('Microsoft 365 user sync: extensions from Entra attributes (emulator over HTTPS, real PostgreSQL)', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  let directory: PbxDirectoryPort;
  let scenarios = 0;

  beforeAll(async () => {
    ({ m365, t } = await startSyncTestApp({ graphRetries: FAST_GRAPH_RETRIES }));
    directory = t.get<PbxDirectoryPort>(PBX_DIRECTORY);
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
  });

  afterEach(() => resetEmulatorFaults(m365));

  async function scenario(
    settings: Record<string, unknown> = {},
    permissions = ['User.Read.All'],
  ): Promise<Scenario> {
    scenarios++;
    return createDirectoryScenario(t, m365, {
      seed: `user-sync-numbers-${scenarios}`,
      domain: `numbers${scenarios}.onmicrosoft.com`,
      permissions,
      settings,
    });
  }

  /** Graph requests the emulator answered since the last reset, by route ("PATCH /v1.0/users/{id}"). */
  const requests = (match: (route: string) => boolean): number =>
    Object.entries(m365.emulator.control.getCounters().byRoute)
      .filter(([route]) => match(route))
      .reduce((sum, [, statuses]) => sum + Object.values(statuses).reduce((a, b) => a + b, 0), 0);
  /** PATCHes of users, inside a `$batch` or not: the emulator counts each batch item by its own route too. */
  const patches = () => requests((route) => route.startsWith('PATCH /v1.0/users'));
  const batches = () => requests((route) => route === 'POST /v1.0/$batch');
  const entraPhones = (s: Scenario, id: string) =>
    m365.emulator.control.getUser({ tenant: s.directoryId, user: id }).fields.businessPhones;

  const run = async (s: Scenario, body: Record<string, unknown> = {}) => {
    const done = await runToEnd<RunBody>(t, s, 'user-sync', body);
    expect(done.status).toBe('SUCCEEDED');
    return done;
  };

  /** Synced PBX users' extensions by the UPN's local part. */
  const extensions = async (s: Scenario): Promise<Record<string, string>> =>
    Object.fromEntries(
      (await syncedPbxUsers(directory, s)).map((u): [string, string] => [
        u.userPrincipalName?.split('@')[0] ?? '',
        u.extension,
      ]),
    );

  const logOf = async (s: Scenario, runId: string): Promise<LogEntry[]> =>
    (await t.as(s.pbx.adminToken).get(`${s.base}/user-sync/provisioning-log`).query({ runId }).expect(200))
      .body as LogEntry[];

  it('takes extensionAttribute1, and falls back to the allocator when it is empty, invalid, out of range or taken', async () => {
    const s = await scenario({
      extensionSource: 'EXTENSION_ATTRIBUTE_1',
      extensionStart: '2000',
      extensionEnd: '2999',
    });
    const attribute = (value: string) => ({ extensionAttributes: { extensionAttribute1: value } });
    const alice = s.add('alice', attribute('2345'));
    const bob = s.add('bob', attribute('2345'));
    const carol = s.add('carol', attribute('9999'));
    s.add('dave');
    const erin = s.add('erin', attribute('2001'));
    const frank = s.add('frank', attribute('ext 12'));
    // 2001 is a PBX user nobody in Microsoft 365 is linked to (another UPN): erin cannot have it.
    await t.createUser(s.pbx.adminToken, s.pbx.tenant.id, {
      extension: '2001',
      displayName: 'Reception',
      userPrincipalName: `reception@local.example`,
    });

    const first = await run(s);
    expect(first.counts).toMatchObject({ created: 6 });
    const numbers = await extensions(s);
    expect(numbers['alice']).toBe('2345');
    // The others get the allocator's numbers in order, skipping 2001 (the PBX's) and never 2345 (alice's).
    expect(
      [numbers['bob'], numbers['carol'], numbers['dave'], numbers['erin'], numbers['frank']].sort(),
    ).toEqual(['2000', '2002', '2003', '2004', '2005']);
    const codes = Object.fromEntries(first.issues.map((i) => [i.objectId, i.code]));
    expect(codes).toEqual({
      [bob]: 'EXTENSION_SOURCE_TAKEN',
      [carol]: 'EXTENSION_SOURCE_OUT_OF_RANGE',
      [erin]: 'EXTENSION_SOURCE_TAKEN',
      [frank]: 'EXTENSION_SOURCE_INVALID',
    });
    expect(first.issues.every((i) => i.severity === 'skip')).toBe(true);
    const log = await logOf(s, first.id);
    expect(log.find((e) => e.objectId === alice)).toMatchObject({
      action: 'CREATED',
      extension: '2345',
      reason: null,
    });
    expect(log.find((e) => e.objectId === carol)).toMatchObject({
      action: 'CREATED',
      reason: 'extension-source-out-of-range',
      message: expect.stringContaining('extensionAttribute1 9999 is outside the extension range') as unknown,
    });

    // Extensions are kept: a changed attribute does not renumber a synced user.
    m365.emulator.control.updateUser({
      tenant: s.directoryId,
      user: alice,
      changes: { extensionAttributes: { extensionAttribute1: '2500' } },
    });
    await run(s, { mode: 'incremental' });
    expect((await extensions(s))['alice']).toBe('2345');
  });

  it('takes the digits after x in the first business phone, also in a dry run', async () => {
    const s = await scenario({ extensionSource: 'BUSINESS_PHONE_EXTENSION' });
    const alice = s.add('alice', { businessPhones: ['+1 425 555 0100 x1234'] });
    const bob = s.add('bob', { businessPhones: ['+1 425 555 0101'] });
    const dry = await run(s, { dryRun: true });
    expect(dry.plan).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ objectId: alice, extension: '1234' }),
        expect.objectContaining({ objectId: bob, extension: '1000' }),
      ]),
    );
    expect(dry.issues).toEqual([]);
    await run(s);
    expect(await extensions(s)).toEqual({ alice: '1234', bob: '1000' });
  });

  it('validates extensionSource and shows it in the settings', async () => {
    const s = await scenario();
    const shown = await t.as(s.pbx.adminToken).get(`${s.base}/user-sync/settings`).expect(200);
    expect(shown.body).toMatchObject({ extensionSource: 'ALLOCATOR' });
    const bad = await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/user-sync/settings`)
      .send({ extensionSource: 'EXTENSION_ATTRIBUTE_16' })
      .expect(400);
    expect(bad.body).toMatchObject({
      statusCode: 400,
      code: 'INVALID_INPUT',
      errors: [{ field: 'extensionSource', reasons: [expect.stringContaining('EMPLOYEE_ID') as unknown] }],
    });
    const saved = await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/user-sync/settings`)
      .send({ extensionSource: 'EMPLOYEE_ID' })
      .expect(200);
    expect(saved.body).toMatchObject({ extensionSource: 'EMPLOYEE_ID' });
  });

  it("writes the extension into an empty business phone, never over an admin's number, and ignores its own echo", async () => {
    const template = '+1 425 555 0100 x{extension}';
    const s = await scenario({ businessPhoneTemplate: template }, [
      'User.Read.All',
      'User-Phone.ReadWrite.All',
    ]);
    const alice = s.add('alice');
    const bob = s.add('bob', { businessPhones: ['+1 555 0199'] });
    const before = patches();
    const batchesBefore = batches();
    const first = await run(s);
    expect(first.counts).toMatchObject({ created: 2, 'businessPhone.written': 1, 'businessPhone.kept': 1 });
    expect(patches() - before).toBe(1);
    // The PATCH went inside a JSON $batch (no photos here, so it is the run's only batch).
    expect(batches() - batchesBefore).toBe(1);
    expect(entraPhones(s, alice)).toEqual([`+1 425 555 0100 x${(await extensions(s))['alice']}`]);
    expect(entraPhones(s, bob)).toEqual(['+1 555 0199']);
    const aliceBefore = (await syncedPbxUsers(directory, s)).find((u) =>
      u.userPrincipalName?.startsWith('alice'),
    );

    // Our own write comes back through delta: no PBX update, no log line, no second PATCH.
    const echo = await run(s, { mode: 'incremental' });
    expect(patches() - before).toBe(1);
    expect(batches() - batchesBefore).toBe(1);
    expect(echo.counts).not.toHaveProperty('updated');
    expect(await logOf(s, echo.id)).toEqual([]);
    const aliceAfter = (await syncedPbxUsers(directory, s)).find((u) =>
      u.userPrincipalName?.startsWith('alice'),
    );
    expect(aliceAfter?.businessPhones).toEqual(aliceBefore?.businessPhones);
  });

  it("reports a missing phone permission with Microsoft's code, and refuses a template it cannot fill", async () => {
    const s = await scenario({ businessPhoneTemplate: '{extension}' });
    const alice = s.add('alice');
    const done = await runToEnd<RunBody>(t, s, 'user-sync', {});
    expect(done.counts).toMatchObject({ created: 1 });
    expect(done.issues).toEqual([
      expect.objectContaining({
        code: 'BUSINESS_PHONE_PERMISSION_MISSING',
        message: expect.stringContaining('Authorization_RequestDenied') as unknown,
      }),
    ]);
    expect(entraPhones(s, alice)).toEqual([]);
    // The connection test says so before any run, and stops saying it once the permission is granted.
    const phoneWarning = async () =>
      (
        (await t.as(s.pbx.adminToken).post(`${s.base}/connection-test`).expect(200)).body as {
          warnings: { message: string }[];
        }
      ).warnings.filter((warning) => warning.message.includes('User-Phone.ReadWrite.All'));
    expect(await phoneWarning()).toHaveLength(1);
    m365.emulator.control.grantPermissions({
      tenant: s.directoryId,
      clientId: s.clientId,
      permissions: ['User-Phone.ReadWrite.All'],
    });
    expect(await phoneWarning()).toEqual([]);
    const bad = await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/user-sync/settings`)
      .send({ businessPhoneTemplate: '{did} x{extension}' })
      .expect(400);
    expect(bad.body).toMatchObject({
      code: 'INVALID_INPUT',
      errors: [{ field: 'businessPhoneTemplate', reasons: [expect.stringContaining('{did}') as unknown] }],
    });
  });

  it('writes back for every synced user once the template is set: the next run is full', async () => {
    const s = await scenario({}, ['User.Read.All', 'User-Phone.ReadWrite.All']);
    const alice = s.add('alice');
    await run(s);
    expect(entraPhones(s, alice)).toEqual([]);
    await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/user-sync/settings`)
      .send({ businessPhoneTemplate: '+1 425 555 0100 x{extension}' })
      .expect(200);
    const next = await run(s, { mode: 'incremental' });
    expect(next).toMatchObject({ mode: 'FULL', counts: { 'businessPhone.written': 1 } });
    expect(entraPhones(s, alice)).toEqual(['+1 425 555 0100 x1000']);
  });

  it("writes N users' business phones with ceil(N/20) $batch requests; a throttled item is sent again alone", async () => {
    const s = await scenario({ businessPhoneTemplate: '+1 425 555 0100 x{extension}' }, [
      'User.Read.All',
      'User-Phone.ReadWrite.All',
    ]);
    const count = 45;
    const ids = Array.from({ length: count }, (_, i) => s.add(`user${String(i).padStart(2, '0')}`));
    const before = { patches: patches(), batches: batches() };
    const first = await run(s);
    expect(first.counts).toMatchObject({ created: count, 'businessPhone.written': count });
    expect(patches() - before.patches).toBe(count);
    expect(batches() - before.batches).toBe(Math.ceil(count / 20));
    expect(ids.every((id) => entraPhones(s, id)[0]?.startsWith('+1 425 555 0100 x'))).toBe(true);

    // A throttled item is sent again by the retry policy (in a batch of its own); the others are not resent.
    const carol = s.add('carol');
    const dave = s.add('dave');
    m365.emulator.control.throttleNext({ count: 1, route: '^/v1.0/users/[0-9a-f-]+$', retryAfterSeconds: 0 });
    const again = { patches: patches(), batches: batches() };
    const next = await run(s, { mode: 'incremental' });
    expect(next.counts).toMatchObject({ created: 2, 'businessPhone.written': 2 });
    expect(next.issues).toEqual([]);
    expect(patches() - again.patches).toBe(3);
    expect(batches() - again.batches).toBe(2);
    expect(entraPhones(s, carol)).toHaveLength(1);
    expect(entraPhones(s, dave)).toHaveLength(1);
  });
});

/** DIDs the test hands out, by lower-case UPN. */
const dids = new Map<string, string>();

/** The reference host's directory port plus the optional `findDids`, answering the DIDs above. */
@Injectable()
class PbxDirectoryWithDids extends PbxDirectoryAdapter {
  async findDids(pbxTenantId: string, userIds: string[]): Promise<Record<string, string | null>> {
    const users = await this.findUsers(pbxTenantId, { ids: userIds });
    return Object.fromEntries(
      users.map((user) => [user.id, dids.get(user.userPrincipalName?.toLowerCase() ?? '') ?? null]),
    );
  }
}

/**
 * `{did}` in the business phone template, from a host whose `PBX_DIRECTORY` provides the optional `findDids` (the
 * reference host has no DIDs: above, `{did}` is refused with a 400).
 */
describe("Microsoft 365 user sync: {did} from a PBX that knows its users' DIDs", () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;

  beforeAll(async () => {
    m365 = await startEmulatedMicrosoft365({ users: 0, groupDepth: 0, departments: 0 });
    t = await createTestApp({
      microsoft365: m365.moduleOptions,
      // The adapter class, not the PBX_DIRECTORY alias (useExisting): overriding the alias did not reach the
      // module's providers here.
      override: (builder) =>
        fastGraphRetries(FAST_GRAPH_RETRIES)(builder)
          .overrideProvider(PbxDirectoryAdapter)
          .useClass(PbxDirectoryWithDids),
    });
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
  });

  it("writes each user's DID with the template, and skips a user the PBX has no DID for", async () => {
    const s = await createDirectoryScenario(t, m365, {
      seed: 'user-sync-did',
      domain: 'did.onmicrosoft.com',
      permissions: ['User.Read.All', 'User-Phone.ReadWrite.All'],
      // Accepted here: this PBX provides DIDs.
      settings: { businessPhoneTemplate: '{did} x{extension}' },
    });
    const alice = s.add('alice');
    const bob = s.add('bob');
    dids.set(s.upn('alice').toLowerCase(), '+1 425 555 0142');
    const settings = await t.as(s.pbx.adminToken).get(`${s.base}/user-sync/settings`).expect(200);
    expect(settings.body).toMatchObject({ businessPhoneTemplate: '{did} x{extension}' });

    const done = await runToEnd<RunBody>(t, s, 'user-sync', {});
    expect(done.status).toBe('SUCCEEDED');
    expect(done.counts).toMatchObject({ created: 2, 'businessPhone.written': 1, 'businessPhone.noDid': 1 });
    const phones = (id: string) =>
      m365.emulator.control.getUser({ tenant: s.directoryId, user: id }).fields.businessPhones;
    expect(phones(alice)).toEqual([expect.stringMatching(/^\+1 425 555 0142 x10\d\d$/)]);
    expect(phones(bob)).toEqual([]);

    // Still refused: text around {did} that is not a phone number.
    const bad = await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/user-sync/settings`)
      .send({ businessPhoneTemplate: 'call {did}' })
      .expect(400);
    expect(bad.body).toMatchObject({
      code: 'INVALID_INPUT',
      errors: [{ field: 'businessPhoneTemplate', reasons: [expect.stringContaining('{did}') as unknown] }],
    });
  });
});
