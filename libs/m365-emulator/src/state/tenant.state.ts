import type { SigningKeyRing } from '@pbx/m365-emulator/entra/signing-key.ring';
import type { AppRegistration } from '@pbx/m365-emulator/state/app-registration';
import { DirectoryChangeLog } from '@pbx/m365-emulator/state/directory-change.log';
import { GroupStore } from '@pbx/m365-emulator/state/group.store';
import { MailboxStore } from '@pbx/m365-emulator/state/mailbox/mailbox.store';
import { SentMailLog } from '@pbx/m365-emulator/state/mailbox/sent-mail.log';
import { ResourceChangeBus } from '@pbx/m365-emulator/state/resource-change.bus';
import { UserStore } from '@pbx/m365-emulator/state/user.store';

export class TenantState {
  readonly apps = new Map<string, AppRegistration>();
  /** Directory and mailbox changes, for change notifications (graph-facts §9). */
  readonly changes = new ResourceChangeBus();
  readonly changeLog = new DirectoryChangeLog(this.changes);
  readonly users = new UserStore(this.changeLog);
  readonly groups = new GroupStore(this.changeLog);
  readonly mailboxes = new MailboxStore(this.changes);
  readonly sentMail = new SentMailLog();
  /** Bumped by the control API to invalidate every delta token issued so far (directory and Outlook). */
  deltaTokenEpoch = 0;

  constructor(
    readonly id: string,
    readonly domain: string,
    public displayName: string,
    readonly signingKeys: SigningKeyRing,
  ) {}

  findApp(clientId: string): AppRegistration | undefined {
    return this.apps.get(clientId.toLowerCase());
  }
}
