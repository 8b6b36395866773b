import { PBX_DIRECTORY, type PbxDirectoryPort, type PbxUserLookup } from '@pbx/microsoft365';
import { type TestApp } from '@pbx/test/support/create-test-app';
import {
  createDirectoryScenario,
  type DirectoryScenario as Scenario,
  FAST_GRAPH_RETRIES,
  runToEnd,
  startSyncTestApp,
  syncedPbxUsers,
} from '@pbx/test/support/directory-scenario';
import { type EmulatedMicrosoft365 } from '@pbx/test/support/microsoft365-test-env';

interface RunBody {
  id: string;
  status: string;
  mode: string;
  counts: Record<string, number>;
  progress: { pagesRead: number };
}

/** Graph pages `/users` at 999: 1,050 users are two pages. */
const USERS = 1_050;

/**
 * What a page of the user sync costs the database and the PBX: each lookup once per page, the links written
 * with one statement per page, and no UPN/email lookups page after page when the PBX is small enough to be
 * matched in memory (a first sync into a new PBX tenant).
 */
describe('Microsoft 365 user sync: statements per page (emulator over HTTPS, real PostgreSQL)', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  let directory: PbxDirectoryPort;
  let scenarios = 0;
  /** Statements the app sent through MikroORM for the PBX tenant being watched (its id in the text or a parameter). */
  let statements: string[] = [];
  let watched: string | null = null;

  beforeAll(async () => {
    ({ m365, t } = await startSyncTestApp({ graphRetries: FAST_GRAPH_RETRIES }));
    directory = t.get<PbxDirectoryPort>(PBX_DIRECTORY);
    const logger = t.orm.config.getLogger();
    const original = logger.logQuery.bind(logger);
    logger.logQuery = (context) => {
      const query = context.query ?? '';
      const params: unknown[] = context.params ?? [];
      if (watched && (query.includes(watched) || params.includes(watched)))
        statements.push(query.toLowerCase());
      original(context);
    };
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
  });

  afterEach(() => {
    jest.restoreAllMocks();
    watched = null;
    statements = [];
  });

  async function scenario(): Promise<Scenario> {
    scenarios++;
    const s = await createDirectoryScenario(t, m365, {
      seed: `user-sync-statements-${scenarios}`,
      domain: `statements${scenarios}.onmicrosoft.com`,
      permissions: ['User.Read.All'],
      settings: { extensionStart: '100000' },
    });
    for (let i = 0; i < USERS; i++) s.add(`bulk${i}`);
    return s;
  }

  /** findUsers calls that look up by UPN or email (the match lookups), as opposed to by PBX user id. */
  function spyMatchLookups(): PbxUserLookup[] {
    const lookups: PbxUserLookup[] = [];
    const findUsers = directory.findUsers.bind(directory);
    jest.spyOn(directory, 'findUsers').mockImplementation((tenantId, lookup) => {
      if ((lookup.emails?.length ?? 0) + (lookup.userPrincipalNames?.length ?? 0) > 0) lookups.push(lookup);
      return findUsers(tenantId, lookup);
    });
    return lookups;
  }

  const linkStatements = (kind: RegExp) =>
    statements.filter((sql) => sql.includes('m365_user_links') && kind.test(sql));

  it('a first sync into a new PBX tenant matches in memory: no UPN/email lookups, one links read and write per page', async () => {
    const s = await scenario();
    // A local PBX user with the UPN of a user on the second page: linked, not duplicated.
    await t.createUser(s.pbx.adminToken, s.pbx.tenant.id, {
      extension: '5000',
      displayName: 'Local bulk1049',
      userPrincipalName: s.upn('bulk1049'),
    });
    const matchLookups = spyMatchLookups();
    const listUsers = jest.spyOn(directory, 'listUsers');
    watched = s.pbx.tenant.id;

    const first = await runToEnd<RunBody>(t, s, 'user-sync');

    expect(first).toMatchObject({ status: 'SUCCEEDED', mode: 'FULL', progress: { pagesRead: 2 } });
    expect(first.counts).toMatchObject({ created: USERS - 1, linked: 1 });
    expect(matchLookups).toEqual([]);
    // The PBX (its admin and the local user) read once for the whole run.
    expect(listUsers).toHaveBeenCalledTimes(1);
    // Per page: the page's links read once (planner and applier share them), written with one statement.
    expect(linkStatements(/^select.* where .*object_id"? (= any|in \()/s)).toHaveLength(2);
    expect(linkStatements(/^insert/)).toHaveLength(2);
    expect(linkStatements(/^insert/).every((sql) => sql.includes('jsonb_to_recordset'))).toBe(true);
    const users = await syncedPbxUsers(directory, s);
    expect(users).toHaveLength(USERS);
    expect(users.find((u) => u.userPrincipalName === s.upn('bulk1049'))).toMatchObject({ extension: '5000' });
  });

  it('a PBX too large to hold in memory is asked page by page, for unlinked users only', async () => {
    const s = await scenario();
    // More PBX users than the run reads at once (MATCH_SNAPSHOT_LIMIT), one of them with a synced user's UPN.
    const created = await directory.createUsers(
      s.pbx.tenant.id,
      Array.from({ length: 1_001 }, (_, i) => ({
        key: `local${i}`,
        extension: String(6000 + i),
        enabled: true,
        profile: {
          displayName: `Local ${i}`,
          firstName: null,
          lastName: null,
          email: null,
          userPrincipalName: i === 0 ? s.upn('bulk3') : `local${i}@pbx.example`,
          department: null,
          jobTitle: null,
          mobilePhone: null,
          businessPhones: [],
          officeLocation: null,
          preferredLanguage: null,
        },
      })),
    );
    expect(created.every((c) => c.status === 'created')).toBe(true);
    const matchLookups = spyMatchLookups();

    const first = await runToEnd<RunBody>(t, s, 'user-sync');
    expect(first).toMatchObject({ status: 'SUCCEEDED', mode: 'FULL' });
    expect(first.counts).toMatchObject({ created: USERS - 1, linked: 1 });
    expect(matchLookups).toHaveLength(2);

    // Everyone is linked now: a second full run has nothing to match and asks nothing.
    matchLookups.length = 0;
    const second = await runToEnd<RunBody>(t, s, 'user-sync');
    expect(second).toMatchObject({ status: 'SUCCEEDED', mode: 'FULL', counts: { unchanged: USERS } });
    expect(matchLookups).toEqual([]);
  });
});
