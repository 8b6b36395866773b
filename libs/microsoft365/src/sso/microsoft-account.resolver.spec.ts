import { type PbxDirectoryPort, type PbxDirectoryUser } from '@pbx/microsoft365/ports/pbx-directory.port';
import { type PbxSessionsPort, type PbxSystemAdmin } from '@pbx/microsoft365/ports/pbx-sessions.port';
import {
  type Microsoft365AccountLinks,
  MicrosoftAccountResolver,
} from '@pbx/microsoft365/sso/microsoft-account.resolver';
import { SsoError, SsoErrorCode } from '@pbx/microsoft365/sso/sso-error';

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
  let directory: { findUsers: jest.Mock };
  let sessions: { findSystemAdmins: jest.Mock };

  beforeEach(() => {
    found = [user()];
    admins = [];
    directory = { findUsers: jest.fn(() => Promise.resolve(found)) };
    sessions = { findSystemAdmins: jest.fn(() => Promise.resolve(admins)) };
  });

  const resolver = (links?: Microsoft365AccountLinks) =>
    new MicrosoftAccountResolver(
      directory as unknown as PbxDirectoryPort,
      sessions as unknown as PbxSessionsPort,
      links,
    );

  async function refusal(promise: Promise<unknown>): Promise<SsoErrorCode> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SsoError);
    return (error as SsoError).code;
  }

  it('matches a tenant user by UPN only, never by email, and keeps the PBX role', async () => {
    found = [user({ role: 'tenant-admin' })];
    await expect(resolver().resolve(TENANT, identity)).resolves.toEqual({
      userId: 'u1',
      role: 'tenant-admin',
      enabled: true,
      userPrincipalName: 'ada@contoso.test',
    });
    expect(directory.findUsers).toHaveBeenCalledWith(TENANT, { userPrincipalNames: ['ada@contoso.test'] });
  });

  it('treats a user without a role as a plain user', async () => {
    await expect(resolver().resolve(TENANT, identity)).resolves.toMatchObject({ role: 'user' });
  });

  it('prefers the object-id link and then looks the user up by id', async () => {
    const links = {
      findLinkedUserId: jest.fn(() => Promise.resolve('u1')),
      findLinkedObjectId: jest.fn(() => Promise.resolve(identity.objectId)),
    };
    await resolver(links).resolve(TENANT, identity);
    expect(links.findLinkedUserId).toHaveBeenCalledWith(TENANT, identity.directoryId, identity.objectId);
    expect(directory.findUsers).toHaveBeenCalledWith(TENANT, { ids: ['u1'] });
  });

  it('falls back to the UPN for an unlinked account, unless that PBX user belongs to another account', async () => {
    const unlinked = {
      findLinkedUserId: () => Promise.resolve(null),
      findLinkedObjectId: () => Promise.resolve(null),
    };
    await expect(resolver(unlinked).resolve(TENANT, identity)).resolves.toMatchObject({ role: 'user' });
    const recycled = {
      findLinkedUserId: () => Promise.resolve(null),
      findLinkedObjectId: () => Promise.resolve('another-object-id'),
    };
    expect(await refusal(resolver(recycled).resolve(TENANT, identity))).toBe(SsoErrorCode.UserNotFound);
  });

  it.each<[string, () => void, SsoErrorCode]>([
    ['no user', () => (found = []), SsoErrorCode.UserNotFound],
    ['two users', () => (found = [user(), user({ id: 'u2' })]), SsoErrorCode.UserNotFound],
    ['a disabled user', () => (found = [user({ enabled: false })]), SsoErrorCode.UserDisabled],
  ])('refuses %s', async (_name, arrange, code) => {
    arrange();
    expect(await refusal(resolver().resolve(TENANT, identity))).toBe(code);
  });

  it('refuses a token without a username', async () => {
    expect(await refusal(resolver().resolve(TENANT, { ...identity, username: null }))).toBe(
      SsoErrorCode.UserNotFound,
    );
  });

  it('finds system admins through the sessions port in the system scope', async () => {
    admins = [{ id: 'a1', enabled: true, userPrincipalName: 'ada@contoso.test' }];
    await expect(resolver().resolve('system', identity)).resolves.toMatchObject({
      userId: 'a1',
      role: 'system-admin',
    });
    expect(directory.findUsers).not.toHaveBeenCalled();
  });
});
