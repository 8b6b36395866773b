import { Injectable } from '@nestjs/common';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { AppTokenProvider } from '../graph/app-token.provider';
import { TenantTokenService } from '../graph/tenant-token.service';
import { KeyManagementService } from './key-management.service';
import { type KeyPairEntity } from './key-pair.entity';
import { TenantSettingsService } from '../settings/tenant-settings.service';
import { SYSTEM_SCOPE } from '../settings/tenant-settings.entity';

/** The admin-facing side of key pairs: generate, download, and forget cached credentials after a change. */
@Injectable()
export class TenantCertificateService {
  constructor(
    private readonly keys: KeyManagementService,
    private readonly settings: TenantSettingsService,
    private readonly tokens: TenantTokenService,
    private readonly appTokens: AppTokenProvider,
  ) {}

  async generate(pbxTenantId: string): Promise<KeyPairEntity> {
    const settings = await this.settings.find(pbxTenantId);
    const name = pbxTenantId === SYSTEM_SCOPE ? 'PBX system' : `PBX tenant ${pbxTenantId}`;
    return this.afterChange(pbxTenantId, () =>
      this.keys.generate(pbxTenantId, name, settings?.certificateValidityDays ?? 365),
    );
  }

  async certificatePem(pbxTenantId: string, status: string): Promise<string> {
    if (status !== 'active' && status !== 'pending') {
      throw new Microsoft365Exception(
        Microsoft365ErrorCode.NotFound,
        'Certificates are "active" or "pending"',
      );
    }
    const pairs = await this.keys.current(pbxTenantId);
    const pair = pairs[status];
    if (!pair) {
      throw new Microsoft365Exception(
        Microsoft365ErrorCode.NotFound,
        `This tenant has no ${status} certificate`,
        {
          action: 'Generate a key pair first.',
        },
      );
    }
    return pair.certificatePem;
  }

  /** Runs a change, then drops cached clients and tokens so the next Graph call uses the new settings. */
  async afterChange<T>(pbxTenantId: string, change: () => Promise<T>): Promise<T> {
    const result = await change();
    this.tokens.evict(pbxTenantId);
    this.appTokens.evict(pbxTenantId);
    return result;
  }
}
