import type { SigningKeyRing } from '../entra/signing-key.ring';
import type { AppRegistration } from './app-registration';
import { DirectoryChangeLog } from './directory-change.log';
import { GroupStore } from './group.store';
import { MailboxStore } from './mailbox/mailbox.store';
import { SentMailLog } from './mailbox/sent-mail.log';
import { ResourceChangeBus } from './resource-change.bus';
import { UserStore } from './user.store';
import { UserPresenceStore } from './user-presence.store';

export class TenantState {
  readonly apps = new Map<string, AppRegistration>();
  /** Directory and mailbox changes, for change notifications (docs/graph-notes.md §9). */
  readonly changes = new ResourceChangeBus();
  readonly changeLog = new DirectoryChangeLog(this.changes);
  readonly users = new UserStore(this.changeLog);
  readonly groups = new GroupStore(this.changeLog);
  readonly mailboxes = new MailboxStore(this.changes);
  readonly sentMail = new SentMailLog();
  /** Teams presence sessions and preferred presence per user (docs/graph-notes.md §13). */
  readonly presence = new UserPresenceStore(this.changes);
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
