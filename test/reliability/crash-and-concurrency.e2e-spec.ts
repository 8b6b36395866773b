import {
  PBX_CONTACTS,
  PBX_DIRECTORY,
  type PbxContactsPort,
  type PbxDirectoryPort,
  type PbxDirectoryUser,
} from '@pbx/microsoft365';
import { createAnotherInstance, type TenantWithAdmin, type TestApp } from '@pbx/test/support/create-test-app';
import {
  createDirectoryScenario,
  type DirectoryScenario,
  type DirectoryScenarioOptions,
  resetEmulatorFaults,
  startSyncTestApp,
} from '@pbx/test/support/directory-scenario';
import { type EmulatedMicrosoft365 } from '@pbx/test/support/microsoft365-test-env';
import { reportScenario } from '@pbx/test/support/reliability-report';
import { type Knex, MikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

interface RunBody {
  id: string;
  status: string;
  mode: string;
  counts: Record<string, number>;
  error: { code: string; message: string } | null;
}

/**
 * The PBX process dies, the database goes away, two PBX instances start the same sync: afterwards the PBX equals
 * the truth in the emulated tenant, with no user lost or duplicated and every extension unique.
 */
describe('reliability: crashes, lost database connections and concurrent instances', () => {
  let m365: EmulatedMicrosoft365;
  let t: TestApp;
  let directory: PbxDirectoryPort;

  beforeAll(async () => {
    ({ m365, t } = await startSyncTestApp({ graphRetries: { baseDelayMs: 10, maxDelayMs: 2_000 } }));
    directory = t.get<PbxDirectoryPort>(PBX_DIRECTORY);
  });

  afterAll(async () => {
    await t?.close();
    await m365?.close();
  });

  afterEach(() => resetEmulatorFaults(m365));

  function scenario(
    users: number,
    options: Partial<DirectoryScenarioOptions> = {},
  ): Promise<DirectoryScenario> {
    return createDirectoryScenario(t, m365, {
      seed: randomUUID(),
      domain: `${randomUUID().slice(0, 8)}.onmicrosoft.com`,
      permissions: ['User.Read.All'],
      ...options,
      seedOptions: { users, departments: 3, ...options.seedOptions },
    });
  }

  async function waitFor(
    app: TestApp,
    token: string,
    base: string,
    runId: string,
    feature: 'user-sync' | 'contact-sync' = 'user-sync',
  ): Promise<RunBody> {
    for (let outage = 0; ;) {
      const answer = await app.as(token).get(`${base}/${feature}/runs/${runId}`);
      // Right after the database connections are cut, a request may get a dead pooled connection: the module
      // answers 503 UNAVAILABLE (never 500) and the pool reconnects for the next one.
      if (
        answer.status === 503 &&
        (answer.body as { code?: string }).code === 'UNAVAILABLE' &&
        outage++ < 20
      ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      expect(answer.status).toBe(200);
      const run = answer.body as RunBody;
      if (run.status !== 'RUNNING') return run;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function run(token: string, base: string, body: object = {}): Promise<RunBody> {
    const started = await t.as(token).post(`${base}/user-sync/runs`).send(body).expect(202);
    return waitFor(t, token, base, (started.body as RunBody).id);
  }

  async function pbxUsers(pbx: TenantWithAdmin): Promise<PbxDirectoryUser[]> {
    const all: PbxDirectoryUser[] = [];
    let after: string | undefined;
    do {
      const page = await directory.listUsers(pbx.tenant.id, { after, limit: 1000 });
      all.push(...page.users.filter((u) => u.id !== pbx.admin.id));
      after = page.next;
    } while (after);
    return all;
  }

  async function expectTruth(pbx: TenantWithAdmin, directoryId: string): Promise<number> {
    const truth = m365.emulator.control
      .listUsers({ tenant: directoryId })
      .map((u) => u.fields)
      .filter((f) => f.userType === 'Member' && f.accountEnabled && Boolean(f.givenName || f.surname))
      .map((f) => f.userPrincipalName.toLowerCase())
      .sort();
    const users = await pbxUsers(pbx);
    expect(users.map((u) => u.userPrincipalName ?? '').sort()).toEqual(truth);
    expect(users.every((u) => u.enabled)).toBe(true);
    expect(new Set(users.map((u) => u.extension)).size).toBe(users.length);
    const links = await t.orm.em
      .fork()
      .getConnection()
      .execute<{ n: string }[]>(
        `select count(*)::text as n from m365_user_links where pbx_tenant_id = ? and state = 'ACTIVE'`,
        [pbx.tenant.id],
      );
    expect(Number(links[0]?.n)).toBe(users.length);
    return truth.length;
  }

  it('converges after the PBX process is killed with SIGKILL in the middle of a user sync', async () => {
    const { pbx, base, directoryId } = await scenario(3_000);
    m365.emulator.control.setFaults({ latency: { fixedMs: 250, jitterMs: 0 } });
    const killAfterPages = 1 + Math.floor(Math.random() * 2);
    const child = startChild(pbx.tenant.id);
    try {
      await waitUntil(async () => {
        const rows = await t.orm.em
          .fork()
          .getConnection()
          .execute<{ pages: number }[]>(
            `select (progress->>'pagesRead')::int as pages from m365_sync_runs where pbx_tenant_id = ? and status = 'RUNNING'`,
            [pbx.tenant.id],
          );
        return (rows[0]?.pages ?? 0) >= killAfterPages;
      }, 90_000);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    m365.emulator.control.setFaults({ latency: { fixedMs: 0, jitterMs: 0 } });

    // Pages are atomic: what the dead process left is whole pages of users, each with its link.
    const left = await pbxUsers(pbx);
    expect(left.length % 999).toBe(0);
    expect(left.length).toBeLessThan(3_000);

    // The dead instance's run holds the lock until its heartbeat is stale; then the next run takes over.
    const blocked = await t.as(pbx.adminToken).post(`${base}/user-sync/runs`).send({}).expect(409);
    expect((blocked.body as { code: string }).code).toBe('CONFLICT');
    m365.clock.advanceMs(3 * 60_000);
    const recovered = await run(pbx.adminToken, base);
    expect(recovered.status).toBe('SUCCEEDED');
    const verified = await expectTruth(pbx, directoryId);
    reportScenario(`SIGKILL after ${killAfterPages} page(s)`, { faultsInjected: 1, itemsVerified: verified });
  }, 180_000);

  it('converges after the PBX process is killed with SIGKILL in the middle of a contact sync', async () => {
    const { pbx, base, directoryId } = await scenario(40, {
      permissions: ['User.Read.All', 'Contacts.Read', 'MailboxSettings.Read'],
      seedOptions: { departments: 2, withoutNames: 0, guests: 0, disabled: 0, contactsPerUser: 120 },
      tenantSettings: { features: { personalContacts: true } },
    });
    expect((await run(pbx.adminToken, base)).status).toBe('SUCCEEDED');
    const contactsOf = async () =>
      Number(
        (
          await t.orm.em
            .fork()
            .getConnection()
            .execute<{ n: string }[]>('select count(*)::text as n from contacts where tenant_id = ?', [
              pbx.tenant.id,
            ])
        )[0]?.n,
      );

    m365.emulator.control.setFaults({ latency: { fixedMs: 150, jitterMs: 0 } });
    const child = startChild(pbx.tenant.id, 'contacts');
    try {
      await waitUntil(async () => (await contactsOf()) > 0, 90_000);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    m365.emulator.control.setFaults({ latency: { fixedMs: 0, jitterMs: 0 } });
    const left = await contactsOf();

    m365.clock.advanceMs(3 * 60_000);
    const started = await t.as(pbx.adminToken).post(`${base}/contact-sync/runs`).send({}).expect(202);
    const done = await waitFor(t, pbx.adminToken, base, (started.body as RunBody).id, 'contact-sync');
    expect(done.status).toBe('SUCCEEDED');

    // Every synced user has exactly their mailbox's contacts, each once.
    const contacts = t.get<PbxContactsPort>(PBX_CONTACTS);
    let verified = 0;
    for (const user of await pbxUsers(pbx)) {
      const mailbox = m365.emulator.control.getMailbox({
        tenant: directoryId,
        user: user.userPrincipalName ?? '',
      });
      const ids = await contacts.listExternalIds(pbx.tenant.id, { kind: 'user', userId: user.id });
      expect({ user: user.userPrincipalName, synced: ids.length, unique: new Set(ids).size }).toEqual({
        user: user.userPrincipalName,
        synced: mailbox.contactCount,
        unique: mailbox.contactCount,
      });
      verified += ids.length;
    }
    expect(verified).toBeGreaterThan(left);
    reportScenario(`SIGKILL during a contact sync (${left} contacts written before)`, {
      faultsInjected: 1,
      itemsVerified: verified,
    });
  }, 180_000);

  it('fails clearly when the database connections drop mid-page, applies nothing by halves, and converges', async () => {
    const { pbx, base, directoryId } = await scenario(2_100);
    // A connection of our own, outside the app's pool, so cutting "every other connection" spares only the test.
    const admin = await MikroORM.init({
      driver: PostgreSqlDriver,
      clientUrl: String(t.orm.config.get('clientUrl')),
      entities: [],
      discovery: { warnWhenNoEntities: false },
      allowGlobalContext: true,
      debug: false,
    });
    const knex = admin.em.getConnection().getKnex();
    /** Rows of a query on the test's own connection (or inside `on`, the lock holder's transaction). */
    const rows = async <T>(sql: string, bindings: Knex.RawBinding[] = [], on: Knex = knex): Promise<T[]> =>
      (await on.raw<{ rows: T[] }>(sql, bindings)).rows;
    const runRow = async (runId: string) =>
      (
        await rows<{ status: string; pages: number }>(
          `select status, (progress->>'pagesRead')::int as pages from m365_sync_runs where id = ?`,
          [runId],
        )
      )[0];
    let lock: Knex.Transaction | undefined;
    // The second page's PBX write waits until the lock below is held: a page is written faster than this test
    // can look, and the lock must find the second page's transaction open, not already committed.
    let lockHeld: () => void = () => undefined;
    const secondPageMayWrite = new Promise<void>((resolve) => (lockHeld = resolve));
    const createUsers = directory.createUsers.bind(directory);
    let creates = 0;
    const gate = jest.spyOn(directory, 'createUsers').mockImplementation(async (tenantId, users) => {
      if (++creates === 2) await secondPageMayWrite;
      return createUsers(tenantId, users);
    });
    try {
      m365.emulator.control.setFaults({ latency: { fixedMs: 200, jitterMs: 0 } });
      const started = await t.as(pbx.adminToken).post(`${base}/user-sync/runs`).send({}).expect(202);
      const runId = (started.body as RunBody).id;
      // Mid-way for certain: the first page (999 users) is written, and the run is still going.
      await waitUntil(
        async () => (await runRow(runId))?.pages === 1 && (await pbxUsers(pbx)).length === 999,
        60_000,
      );
      // Writes to the PBX's users and our links wait behind this lock (reads do not): the next page's transaction
      // stops inside, with whatever it wrote before its first blocked statement still uncommitted.
      lock = await knex.transaction();
      await lock.raw('lock table users, m365_user_links in share mode');
      lockHeld();
      expect((await runRow(runId))?.status).toBe('RUNNING');
      const lockPid = (await rows<{ pid: number }>('select pg_backend_pid() as pid', [], lock))[0]?.pid ?? 0;
      await waitUntil(async () => {
        const blocked = await rows<{ n: number }>(
          'select count(*)::int as n from pg_stat_activity where ? = any(pg_blocking_pids(pid))',
          [lockPid],
        );
        return (blocked[0]?.n ?? 0) > 0;
      }, 60_000);
      // Every connection to this database but the lock holder's is cut, as when PostgreSQL restarts or fails over.
      await lock.raw(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
      );
      await lock.rollback();
      lock = undefined;
      const broken = await waitFor(t, pbx.adminToken, base, runId);
      m365.emulator.control.setFaults({ latency: { fixedMs: 0, jitterMs: 0 } });
      expect(broken.status).toBe('FAILED');
      expect(broken.error).toMatchObject({
        code: 'INTERNAL',
        message: expect.stringMatching(
          /lost its connection to the PBX database \(PostgreSQL 57P01\)/,
        ) as unknown,
      });

      // Nothing by halves: exactly the first page, every link with its PBX user and every synced user with its link.
      const left = await pbxUsers(pbx);
      expect(left).toHaveLength(999);
      expect(new Set(left.map((u) => u.extension)).size).toBe(999);
      const links = await rows<{ pbx_user_id: string | null }>(
        `select pbx_user_id from m365_user_links where pbx_tenant_id = ? and state = 'ACTIVE'`,
        [pbx.tenant.id],
      );
      expect(links.map((l) => l.pbx_user_id ?? '').sort()).toEqual(left.map((u) => u.id).sort());

      const recovered = await run(pbx.adminToken, base);
      expect(recovered.status).toBe('SUCCEEDED');
      const verified = await expectTruth(pbx, directoryId);
      reportScenario('database connections dropped mid-page', { faultsInjected: 1, itemsVerified: verified });
    } finally {
      gate.mockRestore();
      lockHeld();
      await lock?.rollback().catch(() => undefined);
      await admin.close(true);
    }
  }, 120_000);

  it('lets one of two PBX instances run when both start the same sync, with unique extensions', async () => {
    const { pbx, base, directoryId } = await scenario(1_500);
    const second = await createAnotherInstance(t, { microsoft365: m365.moduleOptions });
    try {
      m365.emulator.control.setFaults({ latency: { fixedMs: 100, jitterMs: 0 } });
      const answers = await Promise.all(
        [t, second, t, second].map((app) => app.as(pbx.adminToken).post(`${base}/user-sync/runs`).send({})),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([202, 409, 409, 409]);
      const winner = answers.find((a) => a.status === 202);
      const done = await waitFor(t, pbx.adminToken, base, (winner?.body as RunBody).id);
      expect(done.status).toBe('SUCCEEDED');
      const verified = await expectTruth(pbx, directoryId);
      reportScenario('two instances start the same sync', { itemsVerified: verified });
    } finally {
      await second.close();
    }
  }, 120_000);

  it('holds back a misconfigured scope that would disable most users', async () => {
    const { pbx, base, directoryId } = await scenario(200);
    expect((await run(pbx.adminToken, base)).status).toBe('SUCCEEDED');
    await t
      .as(pbx.adminToken)
      .patch(`${base}/user-sync/settings`)
      .send({ departments: ['A department that does not exist'] })
      .expect(200);
    const guarded = await run(pbx.adminToken, base);
    expect(guarded.status).toBe('SUCCEEDED');
    const body = (await t.as(pbx.adminToken).get(`${base}/user-sync/runs/${guarded.id}`).expect(200))
      .body as {
      stagedRemovals: { state: string; actions: unknown[] } | null;
    };
    expect(body.stagedRemovals?.state).toBe('PENDING');
    const verified = await expectTruth(pbx, directoryId);
    reportScenario('deletion guard against a broken scope', { itemsVerified: verified });
  });

  function startChild(pbxTenantId: string, sync: 'users' | 'contacts' = 'users'): ChildProcess {
    const child = spawn(
      process.execPath,
      [
        require.resolve('ts-node/dist/bin.js'),
        '--transpile-only',
        '-r',
        'tsconfig-paths/register',
        join(__dirname, 'support', 'sync-child.ts'),
      ],
      {
        cwd: join(__dirname, '..', '..'),
        env: {
          ...process.env,
          CHILD_HOST_CONFIG: JSON.stringify(t.config),
          CHILD_M365_OPTIONS: JSON.stringify({
            endpoints: m365.moduleOptions.endpoints,
            trustedCaPem: m365.moduleOptions.trustedCaPem,
          }),
          CHILD_DATABASE_URL: String(t.orm.config.get('clientUrl')),
          CHILD_PBX_TENANT: pbxTenantId,
          CHILD_SYNC: sync,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    return child;
  }
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
