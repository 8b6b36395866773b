import { type PbxDirectoryPort, type PbxDirectoryUser } from '../ports/pbx-directory.port';
import { type PbxSessionsPort, type PbxSystemAdmin } from '../ports/pbx-sessions.port';
import { type MicrosoftIdentity } from './id-token-claims';
import { MicrosoftAccountResolver } from './microsoft-account.resolver';
import { SsoError, SsoErrorCode } from './sso-error';
import { type SystemAdminAccount } from './sso-settings.entity';

const TENANT = '00000000-0000-0000-0000-0000000000aa';
const identity = {
  objectId: 'aaaaaaaa-0000-0000-0000-000000000001',
  directoryId: '11111111-0000-0000-0000-000000000001',
  username: 'ada@contoso.test',
  displayName: 'Ada',
};

function user(overrides: Partial<PbxDirectoryUser> = {}): PbxDirectoryUser {
  return {
    id: 'u1',
    extension: '100',
    enabled: true,
    displayName: 'Ada',
    firstName: null,
    lastName: null,
    email: 'ada@contoso.test',
    userPrincipalName: 'ada@contoso.test',
    department: null,
    jobTitle: null,
    mobilePhone: null,
    businessPhones: [],
    officeLocation: null,
    preferredLanguage: null,
    ...overrides,
  };
}

describe('MicrosoftAccountResolver', () => {
  let found: PbxDirectoryUser[];
  let admins: PbxSystemAdmin[];
  let systemAccounts: SystemAdminAccount[];
  let linkedUserId: string | null;
  let directory: { findUsers: jest.Mock };
  let sessions: { findSystemAdmins: jest.Mock };
  let links: { findLinkedUserId: jest.Mock; findLinkedObjectId: jest.Mock };

  beforeEach(() => {
    found = [user()];
    admins = [];
    systemAccounts = [];
    linkedUserId = 'u1';
    directory = { findUsers: jest.fn(() => Promise.resolve(found)) };
    sessions = { findSystemAdmins: jest.fn(() => Promise.resolve(admins)) };
    links = {
      findLinkedUserId: jest.fn(() => Promise.resolve(linkedUserId)),
      findLinkedObjectId: jest.fn(() => Promise.resolve(null)),
    };
  });

  /** Resolves with the scope's rules as the sign-in flow passes them (the system admin accounts bound there). */
  const resolve = (scope: string, who: MicrosoftIdentity) =>
    new MicrosoftAccountResolver(
      directory as unknown as PbxDirectoryPort,
      sessions as unknown as PbxSessionsPort,
      links,
    ).resolve(scope, who, { systemAdminAccounts: systemAccounts });

  async function refusal(promise: Promise<unknown>): Promise<SsoErrorCode> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SsoError);
    return (error as SsoError).code;
  }

  it('finds a tenant user through the object-id link, by id, and keeps the PBX role', async () => {
    found = [user({ role: 'tenant-admin' })];
    await expect(resolve(TENANT, identity)).resolves.toEqual({
      userId: 'u1',
      role: 'tenant-admin',
      enabled: true,
      userPrincipalName: 'ada@contoso.test',
    });
    expect(links.findLinkedUserId).toHaveBeenCalledWith(TENANT, identity.directoryId, identity.objectId);
    expect(directory.findUsers).toHaveBeenCalledWith(TENANT, { ids: ['u1'] });
  });

  it('treats a user without a role as a plain user', async () => {
    await expect(resolve(TENANT, identity)).resolves.toMatchObject({ role: 'user' });
  });

  it('refuses an unlinked account, even when a PBX user has its UPN and email', async () => {
    linkedUserId = null;
    expect(await refusal(resolve(TENANT, identity))).toBe(SsoErrorCode.UserNotFound);
    expect(directory.findUsers).not.toHaveBeenCalled();
  });

  it.each<[string, () => void, SsoErrorCode]>([
    ['a link whose PBX user is gone', () => (found = []), SsoErrorCode.UserNotFound],
    ['a directory answering another user', () => (found = [user({ id: 'u2' })]), SsoErrorCode.UserNotFound],
    ['a disabled user', () => (found = [user({ enabled: false })]), SsoErrorCode.UserDisabled],
  ])('refuses %s', async (_name, arrange, code) => {
    arrange();
    expect(await refusal(resolve(TENANT, identity))).toBe(code);
  });

  it('signs in an account without a username when it is linked', async () => {
    await expect(resolve(TENANT, { ...identity, username: null })).resolves.toMatchObject({
      userId: 'u1',
    });
  });

  it('finds system admins only through the accounts bound in the system configuration', async () => {
    admins = [{ id: 'a1', enabled: true, userPrincipalName: 'ada@contoso.test' }];
    expect(await refusal(resolve('system', identity))).toBe(SsoErrorCode.UserNotFound);
    expect(sessions.findSystemAdmins).not.toHaveBeenCalled();

    systemAccounts = [{ objectId: identity.objectId, adminId: 'a1' }];
    await expect(resolve('system', identity)).resolves.toMatchObject({
      userId: 'a1',
      role: 'system-admin',
    });
    expect(sessions.findSystemAdmins).toHaveBeenCalledWith({ ids: ['a1'] });
    expect(directory.findUsers).not.toHaveBeenCalled();
    expect(links.findLinkedUserId).not.toHaveBeenCalled();
  });

  it('refuses a bound system admin who is disabled or no longer an admin', async () => {
    systemAccounts = [{ objectId: identity.objectId, adminId: 'a1' }];
    admins = [{ id: 'a1', enabled: false, userPrincipalName: null }];
    expect(await refusal(resolve('system', identity))).toBe(SsoErrorCode.UserDisabled);
    admins = [];
    expect(await refusal(resolve('system', identity))).toBe(SsoErrorCode.UserNotFound);
  });
});
