import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { invalidField } from '../common/invalid-input';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { FEATURE_PERMISSIONS, OPTIONAL_FEATURE_PERMISSIONS } from '../connection/feature-permissions';
import { type MailSettingsView, type UpdateMailSettingsDto } from './mail-settings.dto';
import { MailSettingsEntity } from './mail-settings.entity';
import { type Microsoft365Cloud } from '../settings/microsoft365-cloud';
import { TenantSettingsService } from '../settings/tenant-settings.service';

/** What a send needs to know about the tenant. */
export interface MailSender {
  pbxTenantId: string;
  cloud: Microsoft365Cloud;
  /** The customer's Entra tenant: mailboxes, and their limits, belong to it. */
  directoryId: string;
  sender: string;
  saveToSentItems: boolean;
}

@Injectable()
export class MailSettingsService {
  constructor(
    private readonly em: EntityManager,
    private readonly tenantSettings: TenantSettingsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async view(pbxTenantId: string): Promise<MailSettingsView> {
    const [row, settings] = await Promise.all([
      this.em.fork().findOne(MailSettingsEntity, { pbxTenantId }),
      this.tenantSettings.find(pbxTenantId),
    ]);
    return {
      pbxTenantId,
      enabled: settings?.features.mail ?? false,
      senderAddress: row?.senderAddress ?? null,
      saveToSentItems: row?.saveToSentItems ?? false,
      requiredPermissions: [
        ...FEATURE_PERMISSIONS.mail.map((anyOf) => anyOf[0] ?? ''),
        ...(OPTIONAL_FEATURE_PERMISSIONS.mail ?? []).map(({ anyOf }) => anyOf[0] ?? ''),
      ],
      updatedAt: row?.updatedAt.toISOString() ?? null,
    };
  }

  async update(pbxTenantId: string, changes: UpdateMailSettingsDto): Promise<MailSettingsView> {
    const settings = await this.tenantSettings.find(pbxTenantId);
    const enabled = changes.enabled ?? settings?.features.mail ?? false;
    await this.em.transactional(async (em) => {
      let row = await em.findOne(MailSettingsEntity, { pbxTenantId });
      if (!row) {
        row = Object.assign(new MailSettingsEntity(), { pbxTenantId, createdAt: this.clock.now() });
        em.persist(row);
      }
      if (changes.senderAddress !== undefined) row.senderAddress = changes.senderAddress?.trim() ?? null;
      if (changes.saveToSentItems !== undefined) row.saveToSentItems = changes.saveToSentItems;
      if (enabled && !row.senderAddress) {
        throw invalidField('senderAddress', 'Set the sending mailbox before switching mail on');
      }
      row.updatedAt = this.clock.now();
    });
    if (changes.enabled !== undefined && changes.enabled !== (settings?.features.mail ?? false)) {
      await this.tenantSettings.update(pbxTenantId, { features: { mail: changes.enabled } });
    }
    return this.view(pbxTenantId);
  }

  /**
   * The sending mailbox and options, insisting that mail is configured and switched on. `allowSwitchedOff` lets
   * an admin send a test message before switching mail on.
   */
  async requireSender(
    pbxTenantId: string,
    options: { allowSwitchedOff?: boolean } = {},
  ): Promise<MailSender> {
    const settings = await this.tenantSettings.requireConfigured(pbxTenantId);
    if (!settings.features.mail && !options.allowSwitchedOff) {
      throw new Microsoft365Exception(
        Microsoft365ErrorCode.Disabled,
        'Mail through Microsoft 365 is switched off for this tenant',
        { action: 'Switch mail on in the Microsoft 365 mail settings.' },
      );
    }
    const row = await this.em.fork().findOne(MailSettingsEntity, { pbxTenantId });
    if (!row?.senderAddress) {
      throw new Microsoft365Exception(Microsoft365ErrorCode.NotConfigured, 'No sending mailbox is set', {
        action: 'Enter the address of the user or shared mailbox the PBX sends from in the mail settings.',
      });
    }
    return {
      pbxTenantId,
      cloud: settings.cloud,
      directoryId: settings.directoryId,
      sender: row.senderAddress,
      saveToSentItems: row.saveToSentItems,
    };
  }
}
