import { Entity, type Opt, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A PBX tenant's mail-over-Graph settings. The on/off switch is the `mail` feature switch of the tenant's
 * Microsoft 365 settings (one switch, which the connection test also reads); this row holds the rest.
 */
@Entity({ tableName: 'm365_mail_settings' })
export class MailSettingsEntity {
  @PrimaryKey({ type: 'text' })
  pbxTenantId!: string;

  /** The user or shared mailbox (address or UPN) notifications are sent from. */
  @Property({ type: 'text', nullable: true })
  senderAddress: string | null = null;

  /**
   * Off by default: notification mail (voicemail recordings above all) would otherwise pile up in the sending
   * mailbox's Sent Items and eat its quota.
   */
  @Property({ type: 'boolean' })
  saveToSentItems: boolean & Opt = false;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime' })
  updatedAt: Date & Opt = new Date();
}
