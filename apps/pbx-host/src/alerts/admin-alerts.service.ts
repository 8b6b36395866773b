import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  GraphMailService,
  Microsoft365Events,
  Microsoft365Exception,
  type Microsoft365Event,
} from '@pbx/microsoft365';
import { type Subscription } from 'rxjs';
import { HOST_CONFIG, type HostConfig } from '../config/host-config';
import { UserEntity } from '../users/user.entity';
import { UserRole } from '../users/user-role';
import { adminAlertFor } from './admin-alert';

/**
 * Tells a tenant's admins, by mail through the tenant's own Microsoft 365 mailbox, what the Microsoft 365 module
 * announces: a feature degraded, quarantined or healthy again, a certificate about to expire, a sync held by the
 * deletion guard. The module announces each transition once across instances, so each is one mail.
 *
 * When the tenant's own mail cannot carry it (not set up, or the broken connection is the very thing to report: a
 * certificate removed from the app, consent revoked), the operator's tenant named by PBX_ALERTS_MAIL_TENANT sends it.
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
    @Inject(HOST_CONFIG) private readonly config: HostConfig,
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
    const message = {
      to: admins.map((admin) => ({ address: admin.email as string, name: admin.displayName })),
      subject: alert.subject,
      text: alert.text,
    };
    const ownFailure = await this.sendThrough(event.pbxTenantId, message);
    if (ownFailure === null) return;
    const operator = this.config.alertsMailTenant;
    if (operator === undefined || operator === event.pbxTenantId) {
      // The module's log and health view still say it; the admin sees it there.
      this.logger.warn(
        `Alert to the admins of PBX tenant ${event.pbxTenantId} not sent (${ownFailure}): ${alert.subject}`,
      );
      return;
    }
    const operatorFailure = await this.sendThrough(operator, message);
    if (operatorFailure === null) {
      this.logger.log(
        `Alert to the admins of PBX tenant ${event.pbxTenantId} sent through the alerts tenant ` +
          `(own mail: ${ownFailure}): ${alert.subject}`,
      );
      return;
    }
    this.logger.warn(
      `Alert to the admins of PBX tenant ${event.pbxTenantId} not sent (own mail: ${ownFailure}, ` +
        `alerts tenant: ${operatorFailure}): ${alert.subject}`,
    );
  }

  /** Null when sent, else the module's error code (logged by the caller, once, with the alert). */
  private async sendThrough(
    pbxTenantId: string,
    message: Parameters<GraphMailService['send']>[1],
  ): Promise<string | null> {
    try {
      await this.mail.send(pbxTenantId, message);
      return null;
    } catch (error) {
      // A module error is reported by the caller with its code, whether or not another way carries the alert.
      if (error instanceof Microsoft365Exception) return error.code;
      this.logger.error(
        `Alert mail through PBX tenant ${pbxTenantId} failed unexpectedly: ${(error as Error).message}`,
      );
      return 'INTERNAL';
    }
  }
}
