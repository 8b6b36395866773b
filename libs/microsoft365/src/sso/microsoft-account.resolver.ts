import { Inject, Injectable } from '@nestjs/common';
import { PBX_DIRECTORY, type PbxDirectoryPort } from '../ports/pbx-directory.port';
import { PBX_SESSIONS, type PbxSessionsPort } from '../ports/pbx-sessions.port';
import { SYSTEM_SCOPE } from '../settings/tenant-settings.entity';
import { type MicrosoftIdentity } from './id-token-claims';
import { type SignInRole } from './sign-in-rules';
import { SsoError, SsoErrorCode } from './sso-error';
import { type SsoSettingsEntity } from './sso-settings.entity';

/** Links between Microsoft accounts (directory id + object id) and PBX users, kept by user sync. */
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
 * Finds the PBX user behind a verified Microsoft identity, by its object id only: a tenant user through the user
 * sync's link (made by a sync or bound by hand), a system administrator through the accounts a system admin bound
 * in the system configuration. Never by UPN or email: a hand-made PBX user with the same name is not that account
 * (names are mutable and recycled; email is unverified, the "nOAuth" hijack).
 */
@Injectable()
export class MicrosoftAccountResolver {
  constructor(
    @Inject(PBX_DIRECTORY) private readonly directory: PbxDirectoryPort,
    @Inject(PBX_SESSIONS) private readonly sessions: PbxSessionsPort,
    @Inject(MICROSOFT365_ACCOUNT_LINKS) private readonly links: Microsoft365AccountLinks,
  ) {}

  /** `rules`: the scope's sign-in configuration, whose system admin accounts bind the system scope's sign-ins. */
  async resolve(
    scope: string,
    identity: MicrosoftIdentity,
    rules: Pick<SsoSettingsEntity, 'systemAdminAccounts'>,
  ): Promise<PbxAccount> {
    const linkedId = await this.linkedUserId(scope, identity, rules);
    if (!linkedId) throw notFound(`no PBX user is linked to Microsoft account ${identity.objectId}`);

    const accounts: PbxAccount[] =
      scope === SYSTEM_SCOPE
        ? (await this.sessions.findSystemAdmins({ ids: [linkedId] })).map((admin) => ({
            userId: admin.id,
            role: 'system-admin',
            enabled: admin.enabled,
            userPrincipalName: admin.userPrincipalName,
          }))
        : (await this.directory.findUsers(scope, { ids: [linkedId] })).map((user) => ({
            userId: user.id,
            role: user.role ?? 'user',
            enabled: user.enabled,
            userPrincipalName: user.userPrincipalName,
          }));
    // The link outlived its PBX user (deleted by hand, or no longer a system admin).
    const account = accounts.find((candidate) => candidate.userId === linkedId);
    if (!account) throw notFound(`the PBX user ${linkedId} linked to the Microsoft account is gone`);
    if (!account.enabled)
      throw new SsoError(SsoErrorCode.UserDisabled, `PBX user ${account.userId} is disabled`);
    return account;
  }

  private async linkedUserId(
    scope: string,
    identity: MicrosoftIdentity,
    { systemAdminAccounts }: Pick<SsoSettingsEntity, 'systemAdminAccounts'>,
  ): Promise<string | null> {
    if (scope !== SYSTEM_SCOPE) {
      return this.links.findLinkedUserId(scope, identity.directoryId, identity.objectId);
    }
    // The ID token's `tid` was checked against the system configuration's directory, so the object id suffices.
    const objectId = identity.objectId.toLowerCase();
    return systemAdminAccounts.find((account) => account.objectId === objectId)?.adminId ?? null;
  }
}

function notFound(detail: string): SsoError {
  return new SsoError(SsoErrorCode.UserNotFound, detail);
}
