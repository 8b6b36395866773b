import { PBX_DIRECTORY, type PbxDirectoryPort, type PbxDirectoryUser } from '@pbx/microsoft365';
import { type TestApp } from '@pbx/test/support/create-test-app';
import {
  createDirectoryScenario,
  type DirectoryScenario as Scenario,
  FAST_GRAPH_RETRIES,
  resetEmulatorFaults,
  runToEnd,
  startSyncTestApp,
  syncedPbxUsers,
  TINY_JPEG,
} from '@pbx/test/support/directory-scenario';
import { type EmulatedMicrosoft365 } from '@pbx/test/support/microsoft365-test-env';

interface RunBody {
  id: string;
  status: string;
  mode: string;
  modeReason: string | null;
  counts: Record<string, number>;
  graph: { requests: number };
}

interface LogEntry {
  action: string;
  objectId: string;
  changes: { field: string; from: unknown; to: unknown }[] | null;
}

/** A PNG the PBX admin uploads by hand (the host checks the content type, not the picture). */
const LOCAL_PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

/**
 * What the sync does to edits made in the PBX (issue 19): fields the admin keeps in the PBX survive every sync, and
 * "sync now" restores PBX users deleted or edited in the PBX, where an incremental run does not see them.
 */
describe('Microsoft 365 user sync and edits made in the PBX (emulator over HTTPS, real PostgreSQL)', () => {
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

  async function scenario(settings: Record<string, unknown> = {}): Promise<Scenario> {
    scenarios++;
    return createDirectoryScenario(t, m365, {
      seed: `user-sync-pbx-edits-${scenarios}`,
      domain: `edits${scenarios}.onmicrosoft.com`,
      permissions: ['User.Read.All', 'ProfilePhoto.Read.All'],
      settings,
    });
  }

  const run = async (s: Scenario, body: Record<string, unknown> = {}) => {
    const done = await runToEnd<RunBody>(t, s, 'user-sync', body);
    expect(done.status).toBe('SUCCEEDED');
    return done;
  };

  const pbxUser = async (s: Scenario, name: string): Promise<PbxDirectoryUser | undefined> =>
    (await syncedPbxUsers(directory, s)).find((u) => u.userPrincipalName === s.upn(name).toLowerCase());

  const hostUser = (s: Scenario, id: string | undefined) =>
    `/api/tenants/${s.pbx.tenant.id}/users/${id ?? ''}`;

  const logOf = async (s: Scenario, runId: string): Promise<LogEntry[]> =>
    (await t.as(s.pbx.adminToken).get(`${s.base}/user-sync/provisioning-log`).query({ runId }).expect(200))
      .body as LogEntry[];

  /** Graph requests the emulator answered since the last reset, by route ("GET /v1.0/users"). */
  const requests = (match: (route: string) => boolean): number =>
    Object.entries(m365.emulator.control.getCounters().byRoute)
      .filter(([route]) => match(route))
      .reduce((sum, [, statuses]) => sum + Object.values(statuses).reduce((a, b) => a + b, 0), 0);

  it('keeps a local display name and photo the PBX owns while a field Microsoft 365 owns still follows', async () => {
    const s = await scenario({ syncPhotos: true });
    const control = m365.emulator.control;
    const alice = s.add('alice', { jobTitle: 'Sales rep' });
    control.setPhoto({ tenant: s.directoryId, user: alice, jpegBase64: TINY_JPEG, width: 1, height: 1 });
    expect((await run(s)).counts).toMatchObject({ created: 1, photos: 1 });

    const settings = await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/user-sync/settings`)
      .send({ fieldOwnership: { displayName: 'PBX', photo: 'PBX' } })
      .expect(200);
    expect(settings.body).toMatchObject({
      fieldOwnership: {
        displayName: 'PBX',
        firstName: 'MICROSOFT_365',
        lastName: 'MICROSOFT_365',
        email: 'MICROSOFT_365',
        businessPhones: 'MICROSOFT_365',
        mobilePhone: 'MICROSOFT_365',
        jobTitle: 'MICROSOFT_365',
        department: 'MICROSOFT_365',
        photo: 'PBX',
      },
    });
    // The admin gives Alice a local caller-ID name and picture...
    const aliceId = (await pbxUser(s, 'alice'))?.id;
    await t
      .as(s.pbx.adminToken)
      .patch(hostUser(s, aliceId))
      .send({ displayName: 'Reception (Alice)' })
      .expect(200);
    await t
      .as(s.pbx.adminToken)
      .put(`${hostUser(s, aliceId)}/photo`)
      .set('Content-Type', 'image/png')
      .send(LOCAL_PNG)
      .expect(204);
    // ...and Microsoft 365 changes her name, her job title and her photo.
    control.updateUser({
      tenant: s.directoryId,
      user: alice,
      changes: { displayName: 'Alice Renamed', jobTitle: 'Head of Sales' },
    });
    control.setPhoto({ tenant: s.directoryId, user: alice, jpegBase64: TINY_JPEG, width: 2, height: 2 });

    control.resetCounters();
    const synced = await run(s);
    expect(synced).toMatchObject({ mode: 'FULL', counts: { updated: 1 } });
    expect(synced.counts.photos ?? 0).toBe(0);
    expect(await pbxUser(s, 'alice')).toMatchObject({
      id: aliceId,
      displayName: 'Reception (Alice)',
      jobTitle: 'Head of Sales',
    });
    const photo = await t
      .as(s.pbx.adminToken)
      .get(`${hostUser(s, aliceId)}/photo`)
      .expect(200);
    expect(photo.headers['content-type']).toBe('image/png');
    // A photo the PBX owns is not even looked at: no metadata, no download.
    expect(requests((route) => route.includes('/photo'))).toBe(0);
    // The provisioning log shows the job title, never the display name the PBX keeps.
    expect(await logOf(s, synced.id)).toEqual([
      expect.objectContaining({
        action: 'UPDATED',
        objectId: alice,
        changes: [{ field: 'jobTitle', from: 'Sales rep', to: 'Head of Sales' }],
      }),
    ]);

    // A user the sync creates still gets every field, the PBX-owned ones included.
    const bob = s.add('bob');
    control.setPhoto({ tenant: s.directoryId, user: bob, jpegBase64: TINY_JPEG, width: 1, height: 1 });
    expect((await run(s)).counts).toMatchObject({ created: 1, photos: 1 });
    const bobUser = await pbxUser(s, 'bob');
    expect(bobUser).toMatchObject({ displayName: 'bob Example' });
    const bobPhoto = await t
      .as(s.pbx.adminToken)
      .get(`${hostUser(s, bobUser?.id)}/photo`)
      .expect(200);
    expect(bobPhoto.headers['content-type']).toBe('image/jpeg');

    // Handed back to Microsoft 365, the display name and the photo follow it again.
    await t
      .as(s.pbx.adminToken)
      .patch(`${s.base}/user-sync/settings`)
      .send({ fieldOwnership: { displayName: 'MICROSOFT_365', photo: 'MICROSOFT_365' } })
      .expect(200);
    const handedBack = await run(s, { mode: 'incremental' });
    expect(handedBack.mode).toBe('FULL');
    expect(await pbxUser(s, 'alice')).toMatchObject({ displayName: 'Alice Renamed' });
    const restored = await t
      .as(s.pbx.adminToken)
      .get(`${hostUser(s, aliceId)}/photo`)
      .expect(200);
    expect(restored.headers['content-type']).toBe('image/jpeg');
  });

  it('refuses an unknown field or owner, and a contradictory run mode, with the field and the reason', async () => {
    const s = await scenario();
    const patch = (body: Record<string, unknown>) =>
      t.as(s.pbx.adminToken).patch(`${s.base}/user-sync/settings`).send(body).expect(400);
    expect((await patch({ fieldOwnership: { nickname: 'PBX' } })).body).toMatchObject({
      statusCode: 400,
      code: 'INVALID_INPUT',
      errors: [{ field: 'fieldOwnership.nickname', reasons: ['property nickname should not exist'] }],
    });
    expect((await patch({ fieldOwnership: { displayName: 'LOCAL' } })).body).toMatchObject({
      code: 'INVALID_INPUT',
      errors: [
        { field: 'fieldOwnership.displayName', reasons: ['displayName must be one of MICROSOFT_365, PBX'] },
      ],
    });
    expect((await patch({ fieldOwnership: null })).body).toMatchObject({
      code: 'INVALID_INPUT',
      errors: [
        { field: 'fieldOwnership', reasons: [expect.stringMatching(/^fieldOwnership must be an object/)] },
      ],
    });
    const settings = await t.as(s.pbx.adminToken).get(`${s.base}/user-sync/settings`).expect(200);
    expect((settings.body as { fieldOwnership: Record<string, string> }).fieldOwnership.displayName).toBe(
      'MICROSOFT_365',
    );

    const start = (body: Record<string, unknown>) =>
      t.as(s.pbx.adminToken).post(`${s.base}/user-sync/runs`).send(body).expect(400);
    expect((await start({ mode: 'sometimes' })).body).toMatchObject({
      code: 'INVALID_INPUT',
      errors: [{ field: 'mode', reasons: ['mode must be one of full, incremental'] }],
    });
    expect((await start({ full: true, mode: 'incremental' })).body).toMatchObject({
      code: 'INVALID_INPUT',
      errors: [{ field: 'mode', reasons: [expect.stringMatching(/contradicts full: true/)] }],
    });
  });

  it('"sync now" restores a user deleted and a field edited in the PBX; an incremental run does not', async () => {
    const s = await scenario();
    const alice = s.add('alice', { jobTitle: 'Sales rep' });
    const bob = s.add('bob');
    expect((await run(s)).counts).toMatchObject({ created: 2 });
    const aliceBefore = await pbxUser(s, 'alice');
    const bobBefore = await pbxUser(s, 'bob');

    // In the PBX, an admin deletes Bob and edits Alice's job title (a field Microsoft 365 owns).
    await t.as(s.pbx.adminToken).delete(hostUser(s, bobBefore?.id)).expect(204);
    await t.as(s.pbx.adminToken).patch(hostUser(s, aliceBefore?.id)).send({ jobTitle: 'Edited' }).expect(200);

    // Incremental, as asked: Microsoft 365 reports no change, so nothing is restored (one delta request).
    m365.emulator.control.resetCounters();
    const incremental = await run(s, { mode: 'incremental' });
    expect(incremental).toMatchObject({ mode: 'INCREMENTAL', counts: {} });
    expect(requests((route) => route.includes('/v1.0/'))).toBe(1);
    expect(await pbxUser(s, 'bob')).toBeUndefined();
    expect(await pbxUser(s, 'alice')).toMatchObject({ jobTitle: 'Edited' });

    // Sync now (no mode): every user read once, $top=999, both restored.
    m365.emulator.control.resetCounters();
    const now = await run(s);
    expect(now).toMatchObject({
      mode: 'FULL',
      modeReason: expect.stringMatching(/^Sync now reconciles fully/),
      counts: { created: 1, updated: 1 },
    });
    // ceil(2/999) = 1 listing, and the delta link for the next runs, taken before it.
    expect(requests((route) => route === 'GET /v1.0/users')).toBe(1);
    expect(requests((route) => route === 'GET /v1.0/users/delta')).toBe(1);
    expect(await pbxUser(s, 'bob')).toMatchObject({ extension: bobBefore?.extension, enabled: true });
    expect(await pbxUser(s, 'alice')).toMatchObject({ id: aliceBefore?.id, jobTitle: 'Sales rep' });
    const entries = await logOf(s, now.id);
    expect(entries).toHaveLength(2);
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'CREATED', objectId: bob }),
        expect.objectContaining({
          action: 'UPDATED',
          objectId: alice,
          changes: [{ field: 'jobTitle', from: 'Edited', to: 'Sales rep' }],
        }),
      ]),
    );

    // The full run recorded a fresh delta link: the next incremental run is one request again, and idle.
    m365.emulator.control.resetCounters();
    expect(await run(s, { mode: 'incremental' })).toMatchObject({ mode: 'INCREMENTAL', counts: {} });
    expect(requests((route) => route.includes('/v1.0/'))).toBe(1);
  });
});
