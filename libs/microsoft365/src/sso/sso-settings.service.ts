import { EntityManager } from '@mikro-orm/postgresql';
import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { MICROSOFT365_OPTIONS } from '../microsoft365.module-definition';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { PBX_SESSIONS, type PbxSessionsPort } from '../ports/pbx-sessions.port';
import { SYSTEM_SCOPE } from '../settings/tenant-settings.entity';
import { TenantSettingsService } from '../settings/tenant-settings.service';
import { ConfigurationChanges } from '../settings/configuration-changes.service';
import { type PbxAdminActor } from '../ports/pbx-admin-access.port';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { SelectedUsersResolver } from './selected-users.resolver';
import { type SelectedUser, type SignInRule, toSelectedUser } from './sign-in-rules';
import { type SignInRuleDto, type SsoSettingsView, type UpdateSsoSettingsDto } from './sso-settings.dto';
import { type SystemAdminAccount, SsoSettingsEntity } from './sso-settings.entity';

/** Base path of the sign-in routes as browsers see them (behind the host's route prefix). */
export function ssoBasePath(options: Microsoft365ModuleOptions): string {
  const prefix = (options.routePrefix ?? '').replace(/^\/*/, '/').replace(/\/+$/, '');
  return `${prefix === '/' ? '' : prefix}/microsoft365/sso`;
}

/** Where the portal lives: `sso.portalUrl`, by default the public URL's origin. */
export function ssoPortalUrl(options: Microsoft365ModuleOptions): string {
  return options.sso?.portalUrl ?? `${new URL(options.publicUrl).origin}/`;
}

@Injectable()
export class SsoSettingsService {
  constructor(
    private readonly em: EntityManager,
    private readonly tenantSettings: TenantSettingsService,
    @Inject(MICROSOFT365_OPTIONS) private readonly options: Microsoft365ModuleOptions,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PBX_SESSIONS) private readonly sessions: PbxSessionsPort,
    private readonly selectedUsers: SelectedUsersResolver,
    private readonly changes: ConfigurationChanges,
  ) {}

  /** The rules of a scope, or the defaults when the admin never changed them. */
  async rules(scope: string): Promise<SsoSettingsEntity> {
    const rules =
      (await this.em.fork().findOne(SsoSettingsEntity, { pbxTenantId: scope })) ??
      Object.assign(new SsoSettingsEntity(), { pbxTenantId: scope });
    rules.users = { ...rules.users, selectedUsers: rules.users.selectedUsers.map(toSelectedUser) };
    rules.administrators = {
      ...rules.administrators,
      selectedUsers: rules.administrators.selectedUsers.map(toSelectedUser),
    };
    return rules;
  }

  /** May the app be sent back to this URI: registered, and a custom scheme or an https URI a system admin approved. */
  static allowsAppRedirect(rules: SsoSettingsEntity, uri: string): boolean {
    if (!rules.appRedirectUris.includes(uri)) return false;
    return !/^https:/i.test(uri) || rules.approvedAppRedirectUris.includes(uri);
  }

  async view(scope: string): Promise<SsoSettingsView> {
    const [rules, settings] = await Promise.all([this.rules(scope), this.tenantSettings.find(scope)]);
    const base = `${this.options.publicUrl.replace(/\/+$/, '')}${ssoBasePath(this.options)}`;
    const query = scope === SYSTEM_SCOPE ? 'scope=system' : `tenant=${encodeURIComponent(scope)}`;
    return {
      pbxTenantId: scope,
      enabled: !!settings?.enabled && !!settings.features.singleSignOn,
      users: { ...rules.users, selectedUsers: rules.users.selectedUsers.map((user) => ({ ...user })) },
      administrators: {
        ...rules.administrators,
        selectedUsers: rules.administrators.selectedUsers.map((user) => ({ ...user })),
      },
      appRedirectUris: [...rules.appRedirectUris],
      approvedAppRedirectUris: [...rules.approvedAppRedirectUris],
      systemAdminAccounts: rules.systemAdminAccounts.map((account) => ({ ...account })),
      domainHint: rules.domainHint,
      redirectUris: this.tenantSettings.redirectUris(settings),
      loginUrl: `${base}/login?${query}`,
      updatedAt: rules.updatedAt.toISOString(),
    };
  }

  async update(
    scope: string,
    changes: UpdateSsoSettingsDto,
    actor: PbxAdminActor | null,
  ): Promise<SsoSettingsView> {
    const systemAdminAccounts = changes.systemAdminAccounts
      ? await this.checkSystemAdminAccounts(scope, changes.systemAdminAccounts)
      : undefined;
    if (changes.approvedAppRedirectUris && !actor?.isSystemAdmin) {
      throw new Microsoft365Exception(
        Microsoft365ErrorCode.Forbidden,
        'Only a system administrator may approve https app redirect URIs',
      );
    }
    const users = await this.resolveSelected(scope, 'users.selectedUsers', changes.users?.selectedUsers);
    const administrators = await this.resolveSelected(
      scope,
      'administrators.selectedUsers',
      changes.administrators?.selectedUsers,
    );
    await this.em.transactional(async (em) => {
      let rules = await em.findOne(SsoSettingsEntity, { pbxTenantId: scope });
      if (!rules) {
        rules = Object.assign(new SsoSettingsEntity(), { pbxTenantId: scope, createdAt: this.clock.now() });
        em.persist(rules);
      }
      if (changes.users) rules.users = merge(rules.users, changes.users, users);
      if (changes.administrators) {
        rules.administrators = merge(rules.administrators, changes.administrators, administrators);
      }
      if (changes.approvedAppRedirectUris) {
        rules.approvedAppRedirectUris = [...new Set(changes.approvedAppRedirectUris)];
      }
      if (changes.appRedirectUris) {
        const approved = rules.approvedAppRedirectUris;
        const unapproved = changes.appRedirectUris.filter(
          (uri) => /^https:/i.test(uri) && !approved.includes(uri),
        );
        if (unapproved.length > 0) {
          throw invalid(
            'appRedirectUris',
            `${unapproved.join(', ')}: an https redirect URI needs a system administrator's approval ` +
              '(approvedAppRedirectUris); apps use a custom scheme such as com.example.app:/sso',
          );
        }
        rules.appRedirectUris = [...new Set(changes.appRedirectUris)];
      }
      if (systemAdminAccounts) rules.systemAdminAccounts = systemAdminAccounts;
      if (changes.domainHint !== undefined) rules.domainHint = changes.domainHint?.toLowerCase() ?? null;
      rules.updatedAt = this.clock.now();
    });
    // This instance's sign-ins at once; the other instances' when the trigger's notification arrives.
    this.changes.changed(scope);
    return this.view(scope);
  }

  /**
   * System admins are never synced, so a system admin binds their Microsoft accounts here by hand: only in the
   * system scope, one object id per entry, and only to an existing system administrator.
   */
  private async checkSystemAdminAccounts(
    scope: string,
    accounts: SystemAdminAccount[],
  ): Promise<SystemAdminAccount[]> {
    if (scope !== SYSTEM_SCOPE) {
      throw invalid(
        'systemAdminAccounts',
        `systemAdminAccounts belong to the "${SYSTEM_SCOPE}" configuration; tenant users are linked by user sync`,
      );
    }
    const normalized = accounts.map((account) => ({
      objectId: account.objectId.toLowerCase(),
      adminId: account.adminId.trim(),
    }));
    const objectIds = normalized.map((account) => account.objectId);
    const repeated = objectIds.find((objectId, index) => objectIds.indexOf(objectId) !== index);
    if (repeated) {
      throw invalid(
        'systemAdminAccounts',
        `objectId ${repeated} is listed twice; an account signs in as one admin`,
      );
    }
    const adminIds = [...new Set(normalized.map((account) => account.adminId))];
    const known = new Set(
      adminIds.length > 0
        ? (await this.sessions.findSystemAdmins({ ids: adminIds })).map((admin) => admin.id)
        : [],
    );
    const unknown = adminIds.find((adminId) => !known.has(adminId));
    if (unknown) throw invalid('systemAdminAccounts', `${unknown} is not a system administrator of this PBX`);
    return normalized;
  }

  private resolveSelected(
    scope: string,
    field: string,
    names: string[] | undefined,
  ): Promise<SelectedUser[] | undefined> {
    return names ? this.selectedUsers.resolve(scope, field, names) : Promise.resolve(undefined);
  }

  async remove(scope: string): Promise<void> {
    await this.em.fork().nativeDelete(SsoSettingsEntity, { pbxTenantId: scope });
    this.changes.changed(scope);
  }
}

function merge(
  rule: SignInRule,
  changes: SignInRuleDto,
  selectedUsers: SelectedUser[] | undefined,
): SignInRule {
  const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
  return { ...rule, ...defined, selectedUsers: selectedUsers ?? rule.selectedUsers };
}

function invalid(field: string, reason: string): BadRequestException {
  return new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: 'Validation failed',
    errors: [{ field, reasons: [reason] }],
  });
}
