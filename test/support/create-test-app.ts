import { MikroORM } from '@mikro-orm/postgresql';
import { ConsoleLogger, type INestApplication, type LogLevel, type Type } from '@nestjs/common';
import { Test as NestTest, type TestingModuleBuilder } from '@nestjs/testing';
import { AppModule } from '@pbx/host/app.module';
import { type LoginResponse } from '@pbx/host/auth/dto/session.response';
import { SystemAdminBootstrap } from '@pbx/host/auth/system-admin.bootstrap';
import { type HostConfig } from '@pbx/host/config/host-config';
import { type ContactResponse } from '@pbx/host/contacts/dto/contact.response';
import { runMigrations } from '@pbx/host/database/run-migrations';
import { configureHttpApp } from '@pbx/host/http-app';
import { type TenantResponse } from '@pbx/host/tenants/dto/tenant.response';
import { type CreateUserDto } from '@pbx/host/users/dto/create-user.dto';
import { type UserResponse } from '@pbx/host/users/dto/user.response';
import { type TenantRole } from '@pbx/host/users/user-role';
import { type Microsoft365ModuleOptions } from '@pbx/microsoft365';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request, { type Test } from 'supertest';
import { onFreePort } from './free-port';
import { ensureWorkerDatabase, truncateAllTables } from './test-database';

/** A response body as it arrives over HTTP: dates are ISO strings. */
export type Json<T> = {
  [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K];
};
export type TenantBody = Json<TenantResponse>;
export type UserBody = Json<UserResponse>;
export type ContactBody = Json<ContactResponse>;

export interface TestAppOptions {
  /** Overrides of the host configuration (defaults: environment `test`, random master key, fixed admin password). */
  config?: Partial<HostConfig>;
  /** Overrides of the Microsoft 365 module's options: endpoint overrides, a test clock, trusted CAs, ... */
  microsoft365?: Partial<Microsoft365ModuleOptions>;
  /** Last word on the testing module, e.g. `(builder) => builder.overrideProvider(X).useValue(y)`. */
  override?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
  /**
   * Listen on a real port (for callers outside supertest, e.g. a browser or the emulator calling back);
   * `publicUrl` then defaults to that port. Otherwise requests go to the in-process server.
   */
  listen?: boolean;
  /** Serve the Swagger document at /api/docs (off by default: it costs boot time). */
  swagger?: boolean;
  /** Empty every table first (default true), so each test file starts from a fresh PBX with only `admin`. */
  reset?: boolean;
  /** With `listen`: the host name in the public URL, e.g. `localhost` for browsers that want a secure context. */
  publicHost?: string;
  /** Nest log levels (default: errors and warnings only). */
  logLevels?: LogLevel[];
}

/** A user to create; `role` as the JSON string. */
export type UserInput = Partial<Omit<CreateUserDto, 'role'>> & { role?: `${TenantRole}` };

export interface CreatedUser {
  user: UserBody;
  password: string;
}

export interface TenantWithAdmin {
  tenant: TenantBody;
  admin: UserBody;
  adminToken: string;
}

/** Supertest requests carrying a bearer token. */
export interface AuthorizedAgent {
  get(url: string): Test;
  post(url: string): Test;
  put(url: string): Test;
  patch(url: string): Test;
  delete(url: string): Test;
}

export interface TestApp {
  app: INestApplication;
  config: HostConfig;
  orm: MikroORM;
  /** Set when `listen` was asked for. */
  baseUrl?: string;
  /** Any provider of the app, e.g. `get(PBX_DIRECTORY)`. */
  get<T>(token: Type<T> | string | symbol): T;
  /** Unauthenticated supertest. */
  http(): ReturnType<typeof request>;
  /** Supertest with `Authorization: Bearer <token>`. */
  as(token: string): AuthorizedAgent;
  login(username: string, password: string, sipDomain?: string): Promise<Json<LoginResponse>>;
  loginAsSystemAdmin(): Promise<string>;
  createTenant(
    token: string,
    overrides?: Partial<{ name: string; sipDomain: string; timeZone: string }>,
  ): Promise<TenantBody>;
  createUser(token: string, tenantId: string, overrides?: UserInput): Promise<CreatedUser>;
  /** A tenant with a tenant admin, and that admin's session token. */
  createTenantWithAdmin(systemToken?: string): Promise<TenantWithAdmin>;
  /** Logs a created user in to their tenant; returns the token. */
  loginUser(created: CreatedUser, tenant: TenantBody): Promise<string>;
  /** Empties every table and re-creates the bootstrap admin. */
  resetDatabase(): Promise<void>;
  close(): Promise<void>;
}

export const TEST_ADMIN_PASSWORD = 'test-admin-password';
export const TEST_USER_PASSWORD = 'user-password-123';

/** The `items` of a page response. */
export function items<T>(response: { body: unknown }): T[] {
  return (response.body as { items: T[] }).items;
}

let sequence = 0;
/** Values unique within the worker (tenants' SIP domains, usernames, extensions). */
export function unique(): number {
  sequence += 1;
  return sequence;
}

function expectStatus(response: request.Response, status: number, what: string): void {
  if (response.status !== status) {
    throw new Error(`${what}: expected ${status}, got ${response.status} ${JSON.stringify(response.body)}`);
  }
}

/**
 * Another PBX instance on `first`'s database, as behind a load balancer: the same master key, nothing reset.
 * `options` as for {@link createTestApp}; its `config` is added to the shared master key.
 */
export async function createAnotherInstance(
  first: TestApp,
  options: Omit<TestAppOptions, 'reset'> = {},
): Promise<TestApp> {
  return createTestApp({
    ...options,
    reset: false,
    config: { masterKey: first.config.masterKey, ...options.config },
  });
}

/**
 * Boots the real AppModule (host + Microsoft 365 module) on this worker's database, migrated, with the bootstrap
 * system admin, and answers over HTTP through supertest.
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const databaseUrl = await ensureWorkerDatabase();
  const { app, config, orm } = options.listen
    ? await onFreePort((port) => bootApp(options, databaseUrl, port))
    : await bootApp(options, databaseUrl, 0);
  return testAppOn(app, config, orm, options);
}

/** The app, migrated and listening (or initialised, without `listen`); closed again when any step fails. */
async function bootApp(
  options: TestAppOptions,
  databaseUrl: string,
  port: number,
): Promise<{ app: INestApplication; config: HostConfig; orm: MikroORM }> {
  const config: HostConfig = {
    environment: 'test',
    port,
    dataDir: join(tmpdir(), 'pbx-e2e-unused-data-dir'),
    publicUrl: options.listen ? `http://${options.publicHost ?? '127.0.0.1'}:${port}` : 'http://pbx.test',
    masterKey: randomBytes(32).toString('base64'),
    adminPassword: TEST_ADMIN_PASSWORD,
    sessionTtlMinutes: 60,
    metricsEnabled: true,
    serverTimingEnabled: false,
    ...options.config,
  };

  // Nest's TestingLogger drops everything but errors; tests that read the logs need a real console logger.
  const logger = new ConsoleLogger({ logLevels: options.logLevels ?? ['error', 'warn'] });
  let builder = NestTest.createTestingModule({
    imports: [AppModule.forRoot({ config, databaseUrl, microsoft365: options.microsoft365 })],
  }).setLogger(logger);
  builder = options.override ? options.override(builder) : builder;
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication({ logger });
  configureHttpApp(app, { swagger: options.swagger ?? false, serverTiming: config.serverTimingEnabled });

  const orm = app.get<MikroORM>(MikroORM);
  try {
    await runMigrations(orm);
    if (options.reset ?? true) {
      await truncateAllTables(orm);
    }
    await app.get(SystemAdminBootstrap).ensureSystemAdmin();
    if (options.listen) {
      await app.listen(port, '127.0.0.1');
    } else {
      await app.init();
    }
  } catch (error) {
    // Close what was opened, or Jest waits forever for the ORM's connections.
    await app.close();
    throw error;
  }
  return { app, config, orm };
}

function testAppOn(
  app: INestApplication,
  config: HostConfig,
  orm: MikroORM,
  options: TestAppOptions,
): TestApp {
  const http = () => request(app.getHttpServer());
  const as = (token: string): AuthorizedAgent => {
    const auth = (test: Test) => test.set('Authorization', `Bearer ${token}`);
    return {
      get: (url) => auth(http().get(url)),
      post: (url) => auth(http().post(url)),
      put: (url) => auth(http().put(url)),
      patch: (url) => auth(http().patch(url)),
      delete: (url) => auth(http().delete(url)),
    };
  };

  const login = async (username: string, password: string, sipDomain?: string) => {
    const response = await http()
      .post('/api/auth/login')
      .send({ username, password, ...(sipDomain ? { sipDomain } : {}) });
    expectStatus(response, 200, `login of ${username}`);
    return response.body as Json<LoginResponse>;
  };

  const loginAsSystemAdmin = async () => (await login('admin', config.adminPassword ?? '')).token;

  const createTenant: TestApp['createTenant'] = async (token, overrides = {}) => {
    const n = unique();
    const response = await as(token)
      .post('/api/tenants')
      .send({
        name: `Tenant ${n}`,
        sipDomain: `t${n}-w${process.env.JEST_WORKER_ID ?? '1'}.pbx.test`,
        timeZone: 'Europe/Berlin',
        ...overrides,
      });
    expectStatus(response, 201, 'create tenant');
    return response.body as TenantBody;
  };

  const createUser: TestApp['createUser'] = async (token, tenantId, overrides = {}) => {
    const n = unique();
    const password = overrides.password ?? TEST_USER_PASSWORD;
    const response = await as(token)
      .post(`/api/tenants/${tenantId}/users`)
      .send({
        username: `user${n}`,
        extension: String(1000 + n),
        displayName: `User ${n}`,
        email: `user${n}@contoso.test`,
        ...overrides,
        password,
      });
    expectStatus(response, 201, 'create user');
    return { user: response.body as UserBody, password };
  };

  const loginUser: TestApp['loginUser'] = async (created, tenant) =>
    (await login(created.user.username, created.password, tenant.sipDomain)).token;

  const createTenantWithAdmin: TestApp['createTenantWithAdmin'] = async (systemToken) => {
    const token = systemToken ?? (await loginAsSystemAdmin());
    const tenant = await createTenant(token);
    const admin = await createUser(token, tenant.id, { role: 'tenant-admin' });
    return { tenant, admin: admin.user, adminToken: await loginUser(admin, tenant) };
  };

  return {
    app,
    config,
    orm,
    ...(options.listen ? { baseUrl: config.publicUrl } : {}),
    get: <T>(token: Type<T> | string | symbol) => app.get<T>(token, { strict: false }),
    http,
    as,
    login,
    loginAsSystemAdmin,
    createTenant,
    createUser,
    createTenantWithAdmin,
    loginUser,
    resetDatabase: async () => {
      await truncateAllTables(orm);
      await app.get(SystemAdminBootstrap).ensureSystemAdmin();
    },
    close: () => app.close(),
  };
}
