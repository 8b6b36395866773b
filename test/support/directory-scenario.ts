import { randomUUID } from 'node:crypto';
import type { TestingModuleBuilder } from '@nestjs/testing';
import type { PbxDirectoryPort, PbxDirectoryUser } from '@pbx/microsoft365';
import type { SeedOptions } from '@pbx/m365-emulator';
import { GRAPH_RESILIENCE_SETTINGS } from '@pbx/microsoft365/graph/graph-client.provider';
import {
  defaultResilienceSettings,
  type ResilienceSettings,
} from '@pbx/microsoft365/graph/resilience.middleware';
import { createTestApp, type TenantWithAdmin, type TestApp } from '@pbx/test/support/create-test-app';
import {
  connectTenant,
  type EmulatedMicrosoft365,
  startEmulatedMicrosoft365,
} from '@pbx/test/support/microsoft365-test-env';

/**
 * The back-off most sync suites use: Graph's Retry-After is still honoured as sent, but the tests need not wait
 * out our own back-off after 5xx answers.
 */
export const FAST_GRAPH_RETRIES: Readonly<Partial<ResilienceSettings>> = {
  maxAttempts: 3,
  baseDelayMs: 20,
  maxDelayMs: 2_000,
};

/** A testing-module override: the module's default resilience settings with `changes` on top. */
export function fastGraphRetries(
  changes: Partial<ResilienceSettings>,
): (builder: TestingModuleBuilder) => TestingModuleBuilder {
  return (builder) =>
    builder
      .overrideProvider(GRAPH_RESILIENCE_SETTINGS)
      .useValue({ ...defaultResilienceSettings(), ...changes });
}

/**
 * Starts an empty emulator (each scenario seeds its own directory) and the PBX test app pointed at it. Without
 * `graphRetries` the module keeps its production back-off.
 */
export async function startSyncTestApp(
  options: { graphRetries?: Partial<ResilienceSettings> } = {},
): Promise<{ m365: EmulatedMicrosoft365; t: TestApp }> {
  const m365 = await startEmulatedMicrosoft365({ users: 0, groupDepth: 0, departments: 0 });
  try {
    const t = await createTestApp({
      microsoft365: m365.moduleOptions,
      ...(options.graphRetries ? { override: fastGraphRetries(options.graphRetries) } : {}),
    });
    return { m365, t };
  } catch (error) {
    // The caller never gets the emulator to close in its afterAll.
    await m365.close();
    throw error;
  }
}

/** Undoes what a test may have injected into the shared emulator, so a failed test cannot slow down the next. */
export function resetEmulatorFaults(m365: EmulatedMicrosoft365): void {
  m365.emulator.control.clearThrottles();
  m365.emulator.control.setFaults({
    errorRate: 0,
    dropRate: 0,
    latency: { fixedMs: 0, jitterMs: 0 },
    routePattern: undefined,
  });
}

/** A PBX tenant connected to its own emulated Microsoft 365 directory, so scenarios cannot disturb each other. */
export interface DirectoryScenario {
  pbx: TenantWithAdmin;
  /** The module's base URL for the PBX tenant. */
  base: string;
  /** The emulated Entra tenant's id. */
  directoryId: string;
  /** The app registration the PBX tenant signs in as. */
  clientId: string;
  domain: string;
  /** Adds a Microsoft 365 user `name@domain`; returns its object id. */
  add(name: string, fields?: Record<string, unknown>): string;
  upn(name: string): string;
}

export interface DirectoryScenarioOptions {
  /** The emulator's seed; unique per scenario, so every directory gets its own ids. */
  seed: string;
  domain: string;
  /** Application permissions the seeded app registration is granted. */
  permissions: readonly string[];
  /** Anything else to seed; by default the directory is empty (no users, departments or groups). */
  seedOptions?: Partial<Omit<SeedOptions, 'seed' | 'tenantId' | 'domain' | 'app'>>;
  /** The system admin's token for creating the PBX tenant; logs in afresh when omitted. */
  systemToken?: string;
  /** Module tenant settings sent while connecting (e.g. features). */
  tenantSettings?: Record<string, unknown>;
  /** Sync settings PATCHed after connecting, when not empty. */
  settings?: Record<string, unknown>;
  /** Where `settings` go, below the tenant's base URL. */
  settingsPath?: 'user-sync/settings' | 'contact-sync/settings' | 'group-sync/settings';
  /** Fields of every user `add` creates, under the call's own fields; department Sales when omitted. */
  userDefaults?: Record<string, unknown>;
}

/**
 * Seeds a fresh emulated directory with an app registration, creates a PBX tenant with its admin and connects
 * the two the way an admin does (`connectTenant`).
 */
export async function createDirectoryScenario(
  t: TestApp,
  m365: EmulatedMicrosoft365,
  options: DirectoryScenarioOptions,
): Promise<DirectoryScenario> {
  const seeded = await m365.emulator.control.seed({
    seed: options.seed,
    tenantId: randomUUID(),
    domain: options.domain,
    users: 0,
    departments: 0,
    groupDepth: 0,
    ...options.seedOptions,
    app: { permissions: [...options.permissions] },
  });
  const pbx = await t.createTenantWithAdmin(options.systemToken);
  const env = { ...m365, seeded: { ...seeded, clientId: seeded.clientId ?? '' } };
  const base = await connectTenant(t, env, pbx, { settings: options.tenantSettings });
  const settings = options.settings ?? {};
  if (Object.keys(settings).length > 0) {
    await t
      .as(pbx.adminToken)
      .patch(`${base}/${options.settingsPath ?? 'user-sync/settings'}`)
      .send(settings)
      .expect(200);
  }
  const userDefaults = options.userDefaults ?? { department: 'Sales' };
  const upn = (name: string) => `${name}@${seeded.domain}`;
  return {
    pbx,
    base,
    directoryId: seeded.tenantId,
    clientId: env.seeded.clientId,
    domain: seeded.domain,
    upn,
    add: (name, fields = {}) =>
      m365.emulator.control.addUser({
        tenant: seeded.tenantId,
        user: {
          userPrincipalName: upn(name),
          displayName: `${name} Example`,
          givenName: name,
          surname: 'Example',
          mail: upn(name),
          ...userDefaults,
          ...fields,
        },
      }).id,
  };
}

/** The run fields every sync e2e test reads; each file extends it with what it asserts on. */
export interface SyncRunStatus {
  id: string;
  status: string;
}

/** Polls a user-sync or contact-sync run until it is no longer RUNNING (50 ms apart, `tries` times at most). */
export async function waitForRun<T extends SyncRunStatus>(
  t: TestApp,
  s: Pick<DirectoryScenario, 'pbx' | 'base'>,
  feature: 'user-sync' | 'contact-sync' | 'group-sync',
  runId: string,
  tries = 600,
): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const body = (await t.as(s.pbx.adminToken).get(`${s.base}/${feature}/runs/${runId}`).expect(200))
      .body as T;
    if (body.status !== 'RUNNING') return body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`run ${runId} did not finish`);
}

/** Starts a run (202) and waits for its end. */
export async function runToEnd<T extends SyncRunStatus>(
  t: TestApp,
  s: Pick<DirectoryScenario, 'pbx' | 'base'>,
  feature: 'user-sync' | 'contact-sync' | 'group-sync',
  body: Record<string, unknown> = {},
): Promise<T> {
  const started = await t.as(s.pbx.adminToken).post(`${s.base}/${feature}/runs`).send(body).expect(202);
  return waitForRun<T>(t, s, feature, (started.body as SyncRunStatus).id);
}

/** Every PBX user of the scenario's tenant through the directory port, less the admin the harness created. */
export async function syncedPbxUsers(
  directory: PbxDirectoryPort,
  s: Pick<DirectoryScenario, 'pbx'>,
): Promise<PbxDirectoryUser[]> {
  const all: PbxDirectoryUser[] = [];
  let after: string | undefined;
  do {
    const page = await directory.listUsers(s.pbx.tenant.id, { after, limit: 1000 });
    all.push(...page.users);
    after = page.next;
  } while (after);
  return all.filter((u) => u.id !== s.pbx.admin.id);
}

/** A 1x1 JPEG. */
export const TINY_JPEG =
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAACf/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AKp//2Q==';
