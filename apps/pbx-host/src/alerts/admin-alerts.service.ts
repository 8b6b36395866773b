import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  GraphMailService,
  Microsoft365Events,
  Microsoft365Exception,
  type Microsoft365Event,
} from '@pbx/microsoft365';
import { type Subscription } from 'rxjs';
import { UserEntity } from '../users/user.entity';
import { UserRole } from '../users/user-role';
import { adminAlertFor } from './admin-alert';

/**
 * Tells a tenant's admins, by mail through the tenant's own Microsoft 365 mailbox, what the Microsoft 365 module
 * announces: a feature degraded, quarantined or healthy again, a certificate about to expire, a sync held by the
 * deletion guard. The module announces each transition once across instances, so each is one mail.
 */
@Injectable()
export class AdminAlertsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(AdminAlertsService.name);
  private subscription?: Subscription;
  private readonly sending = new Set<Promise<void>>();

  constructor(
    private readonly events: Microsoft365Events,
    private readonly mail: GraphMailService,
    private readonly em: EntityManager,
  ) {}

  onModuleInit(): void {
    this.subscription = this.events.events$.subscribe((event) => {
      const sent = this.alert(event).finally(() => this.sending.delete(sent));
      this.sending.add(sent);
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.subscription?.unsubscribe();
    await Promise.allSettled([...this.sending]);
  }

  /** Waits for the alerts under way (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.sending]);
  }

  private async alert(event: Microsoft365Event): Promise<void> {
    const alert = adminAlertFor(event);
    if (!alert) return;
    const admins = await this.em
      .fork()
      .find(
        UserEntity,
        { tenant: event.pbxTenantId, role: UserRole.TenantAdmin, enabled: true, email: { $ne: null } },
        { fields: ['email', 'displayName'] },
      );
    if (admins.length === 0) {
      this.logger.warn(
        `No admin of PBX tenant ${event.pbxTenantId} has an email address for: ${alert.subject}`,
      );
      return;
    }
    try {
      await this.mail.send(event.pbxTenantId, {
        to: admins.map((admin) => ({ address: admin.email as string, name: admin.displayName })),
        subject: alert.subject,
        text: alert.text,
      });
    } catch (error) {
      // Mail not set up, or the connection itself is what broke: the module's log and health view still say it.
      const code = error instanceof Microsoft365Exception ? error.code : 'INTERNAL';
      this.logger.warn(
        `Alert to the admins of PBX tenant ${event.pbxTenantId} not sent (${code}): ${alert.subject}`,
      );
    }
  }
}
