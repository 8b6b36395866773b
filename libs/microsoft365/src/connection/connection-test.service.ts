import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { checkFeaturePermissions } from './feature-permissions';
import { type ConnectionTestReport, type ProblemView } from './connection-test.dto';
import { GraphApi } from '../graph/graph-api.service';
import { withGraphFeature } from '../graph/graph-meter';
import { TenantTokenService } from '../graph/tenant-token.service';
import { KeyManagementService } from '../keys/key-management.service';
import { pendingCertificateWarning } from '../keys/pending-certificate.warning';
import { TenantSettingsService } from '../settings/tenant-settings.service';
import { PHONE_WRITE_PERMISSIONS } from '../user-sync/business-phone-write-back';
import { UserSyncSettingsService } from '../user-sync/user-sync-settings.service';

/**
 * The admin's "Test connection" button: gets a token (proving ids and certificate), reads the granted application
 * permissions from it, calls Graph once, and says per feature what is missing and what to do about it.
 */
@Injectable()
export class ConnectionTestService {
  constructor(
    private readonly settings: TenantSettingsService,
    private readonly keys: KeyManagementService,
    private readonly tokens: TenantTokenService,
    private readonly graph: GraphApi,
    private readonly userSyncSettings: UserSyncSettingsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async run(pbxTenantId: string): Promise<ConnectionTestReport> {
    return withGraphFeature('connection-test', () => this.test(pbxTenantId));
  }

  private async test(pbxTenantId: string): Promise<ConnectionTestReport> {
    const settings = await this.settings.requireConfigured(pbxTenantId);
    const before = await this.keys.current(pbxTenantId);
    const problems: ProblemView[] = [];
    const report: ConnectionTestReport = {
      ok: false,
      checkedAt: this.clock.now().toISOString(),
      tokenAcquired: false,
      grantedPermissions: [],
      graphReachable: false,
      features: [],
      problems,
      warnings: [],
      actions: [],
    };

    try {
      // Fresh from Entra: a permission granted a minute ago is in a new token's roles, never in a cached one.
      const token = await this.tokens.getToken(pbxTenantId, {
        allowDisabled: true,
        tryPendingNow: true,
        fresh: true,
      });
      report.tokenAcquired = true;
      report.grantedPermissions = [...token.roles].sort();
      if (before.pending?.id === token.keyPairId) report.rotatedToKeyPairId = token.keyPairId;
    } catch (error) {
      problems.push(problemFrom(error));
    }

    if (report.tokenAcquired) {
      report.features = checkFeaturePermissions(settings.features, report.grantedPermissions);
      try {
        await this.graph.get({ pbxTenantId, cloud: settings.cloud }, '/users?$top=1&$select=id');
        report.graphReachable = true;
      } catch (error) {
        const problem = problemFrom(error);
        // A missing User.Read.All is reported per feature below; Graph itself was reachable.
        report.graphReachable = problem.code === String(Microsoft365ErrorCode.PermissionMissing);
        if (!report.graphReachable) problems.push(problem);
      }
      const missing = new Set(report.features.filter((f) => f.enabled).flatMap((f) => f.missingPermissions));
      if (missing.size > 0) {
        const list = [...missing].sort();
        problems.push({
          code: Microsoft365ErrorCode.PermissionMissing,
          message: `The app lacks application permissions that enabled features need: ${list.join(', ')}`,
          action:
            `In the Entra admin center open App registrations → your app → API permissions → Add a permission → ` +
            `Microsoft Graph → Application permissions, add ${list.join(', ')}, then click "Grant admin consent".`,
        });
      }
    }
    report.warnings = await this.warnings(pbxTenantId, report);
    report.actions = [...problems, ...report.warnings].flatMap((p) => (p.action ? [p.action] : []));
    report.ok = report.tokenAcquired && report.graphReachable && problems.length === 0;
    return report;
  }

  /** What works but needs the admin: a certificate Microsoft has not accepted yet, a missing optional permission. */
  private async warnings(pbxTenantId: string, report: ConnectionTestReport): Promise<ProblemView[]> {
    const { pending } = await this.keys.current(pbxTenantId);
    const optional = report.features
      .filter((f) => f.enabled && f.ok)
      .flatMap((f) => f.warnings.map((message) => ({ feature: f.feature, message })));
    return [
      ...(pending && report.tokenAcquired ? [pendingCertificateWarning(pending)] : []),
      ...(await this.phoneWriteBackWarning(pbxTenantId, report)),
      ...optional.map(({ feature, message }) => ({
        code: 'OPTIONAL_PERMISSION_MISSING',
        message: `${feature}: ${message}`,
        action:
          'In the Entra admin center open App registrations → your app → API permissions, add the Microsoft Graph ' +
          'application permission named above, then click "Grant admin consent".',
      })),
    ];
  }

  /** The user sync writes the extension into Entra's business phone, and the token cannot (docs/graph-notes.md §3.7). */
  private async phoneWriteBackWarning(
    pbxTenantId: string,
    report: ConnectionTestReport,
  ): Promise<ProblemView[]> {
    const userSync = report.features.find((f) => f.feature === 'userSync');
    if (!report.tokenAcquired || !userSync?.enabled) return [];
    if ((await this.userSyncSettings.get(pbxTenantId)).businessPhoneTemplate === null) return [];
    const granted = new Set(report.grantedPermissions.map((role) => role.toLowerCase()));
    if (PHONE_WRITE_PERMISSIONS.some((permission) => granted.has(permission.toLowerCase()))) return [];
    return [
      {
        code: 'OPTIONAL_PERMISSION_MISSING',
        message: `userSync: writing the extension into the business phone needs ${PHONE_WRITE_PERMISSIONS[0]}`,
        action:
          `In the Entra admin center open App registrations → your app → API permissions, add the Microsoft Graph ` +
          `application permission ${PHONE_WRITE_PERMISSIONS[0]}, then click "Grant admin consent" (or turn the ` +
          'business phone write-back off in the user sync settings).',
      },
    ];
  }
}

function problemFrom(error: unknown): ProblemView {
  if (error instanceof Microsoft365Exception) {
    return {
      code: error.code,
      message: error.message,
      ...(error.action ? { action: error.action } : {}),
      ...(error.microsoft ? { microsoft: { ...error.microsoft } } : {}),
    };
  }
  return { code: Microsoft365ErrorCode.Internal, message: 'Unexpected error during the connection test' };
}
