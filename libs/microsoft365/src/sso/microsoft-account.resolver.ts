import { Inject, Injectable, Optional } from '@nestjs/common';
import { PBX_DIRECTORY, type PbxDirectoryPort } from '@pbx/microsoft365/ports/pbx-directory.port';
import { PBX_SESSIONS, type PbxSessionsPort } from '@pbx/microsoft365/ports/pbx-sessions.port';
import { SYSTEM_SCOPE } from '@pbx/microsoft365/settings/tenant-settings.entity';
import { type MicrosoftIdentity } from '@pbx/microsoft365/sso/id-token-claims';
import { type SignInRole } from '@pbx/microsoft365/sso/sign-in-rules';
import { SsoError, SsoErrorCode } from '@pbx/microsoft365/sso/sso-error';

/**
 * Links between Microsoft accounts (directory id + object id) and PBX users, kept by user sync. Optional: until a
 * provider is registered under {@link MICROSOFT365_ACCOUNT_LINKS}, accounts are matched by user principal name.
 */
export const MICROSOFT365_ACCOUNT_LINKS = Symbol('MICROSOFT365_ACCOUNT_LINKS');

export interface Microsoft365AccountLinks {
  /** The PBX user linked to this Microsoft account in this scope, or null. */
  findLinkedUserId(scope: string, directoryId: string, objectId: string): Promise<string | null>;
  /** The Microsoft account a PBX user is linked to in this scope, or null. */
  findLinkedObjectId(scope: string, pbxUserId: string): Promise<string | null>;
}

export interface PbxAccount {
  userId: string;
  role: SignInRole;
  enabled: boolean;
  userPrincipalName: string | null;
}

/**
 * Finds the PBX user behind a verified Microsoft identity. By the object-id link when user sync provides one;
 * otherwise by the user principal name from the ID token (the directory's own, checked `tid`), and only when it
 * names exactly one user. Never by the `email` claim: it is mutable and unverified (the "nOAuth" hijack).
 */
@Injectable()
export class MicrosoftAccountResolver {
  constructor(
    @Inject(PBX_DIRECTORY) private readonly directory: PbxDirectoryPort,
    @Inject(PBX_SESSIONS) private readonly sessions: PbxSessionsPort,
    @Optional() @Inject(MICROSOFT365_ACCOUNT_LINKS) private readonly links?: Microsoft365AccountLinks,
  ) {}

  async resolve(scope: string, identity: MicrosoftIdentity): Promise<PbxAccount> {
    const linkedId = this.links
      ? await this.links.findLinkedUserId(scope, identity.directoryId, identity.objectId)
      : null;
    const lookup = linkedId
      ? { ids: [linkedId] }
      : identity.username
        ? { userPrincipalNames: [identity.username] }
        : null;
    if (!lookup) throw notFound('the ID token names no user principal name');

    const accounts: PbxAccount[] =
      scope === SYSTEM_SCOPE
        ? (await this.sessions.findSystemAdmins(lookup)).map((admin) => ({
            userId: admin.id,
            role: 'system-admin',
            enabled: admin.enabled,
            userPrincipalName: admin.userPrincipalName,
          }))
        : (await this.directory.findUsers(scope, lookup)).map((user) => ({
            userId: user.id,
            role: user.role ?? 'user',
            enabled: user.enabled,
            userPrincipalName: user.userPrincipalName,
          }));
    if (accounts.length === 0) throw notFound('no PBX user has this Microsoft account');
    // Two PBX users claiming one UPN: refusing beats guessing which one to sign in as.
    if (accounts.length > 1) throw notFound('several PBX users match the Microsoft account');
    const [account] = accounts as [PbxAccount];
    // Matched by name: a PBX user that belongs to another Microsoft account (a recycled UPN) is not this one.
    const linkedTo =
      !linkedId && this.links ? await this.links.findLinkedObjectId(scope, account.userId) : null;
    if (linkedTo && linkedTo !== identity.objectId) {
      throw notFound('the PBX user with this name is linked to another Microsoft account');
    }
    if (!account.enabled)
      throw new SsoError(SsoErrorCode.UserDisabled, `PBX user ${account.userId} is disabled`);
    return account;
  }
}

function notFound(detail: string): SsoError {
  return new SsoError(SsoErrorCode.UserNotFound, detail);
}
