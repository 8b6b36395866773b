import { setTimeout as sleep } from 'node:timers/promises';
import type { EmulatorContext } from '../../emulator.context';
import type { GraphCaller } from '../graph-caller';
import { findUserOrThrow } from '../users.routes';
import {
  accessPolicyDenied,
  invalidUser,
  mailboxNotEnabled,
  mailboxThrottled,
  outlookAccessDenied,
} from './outlook.errors';
import { requireParam, type EmulatorRequest } from '../../http/emulator-request';
import type { EmulatorResponse } from '../../http/emulator-response';
import type { DirectoryUser } from '../../state/directory-user';
import type { Mailbox } from '../../state/mailbox/mailbox';

/** The caller and the mailbox a request addresses through /users/{id|upn}/... */
export interface MailboxTarget {
  readonly caller: GraphCaller;
  readonly user: DirectoryUser;
  /** Materialises the mailbox (seeded content is generated on first use). */
  mailbox(): Mailbox;
}

/**
 * The gate every Outlook route passes: token and permission (ErrorAccessDenied), the user (ErrorInvalidUser),
 * a mailbox (MailboxNotEnabledForRESTAPI), application access policies, then the per app + mailbox limits
 * (docs/graph-notes.md §6, §7, §10). The concurrency slot is held for the request's whole simulated duration:
 * the injected latency (request.mailboxWorkMs), the emulated processing time and the handler.
 */
export class MailboxAccess {
  constructor(private readonly context: EmulatorContext) {}

  async run(
    request: EmulatorRequest,
    permissions: readonly string[],
    handler: (target: MailboxTarget) => EmulatorResponse | Promise<EmulatorResponse>,
  ): Promise<EmulatorResponse> {
    const caller = this.context.graphAuth.authorizeUncharged(request, permissions, outlookAccessDenied);
    const idOrUpn = requireParam(request, 'id');
    const user = caller.tenant.users.find(idOrUpn);
    if (!user) throw invalidUser(idOrUpn);
    const mailboxes = caller.tenant.mailboxes;
    if (!mailboxes.hasMailbox(user)) throw mailboxNotEnabled();
    if (mailboxes.isBlocked(user.id, caller.appId)) throw accessPolicyDenied();
    return this.occupy(request, caller, user, () =>
      handler({ caller, user, mailbox: () => mailboxes.open(user) }),
    );
  }

  /**
   * Profile photos: Graph serves them through the Outlook profile API, so they count against the same app +
   * mailbox limits (docs/graph-notes.md §6), but they are authorised and looked up as directory reads (a user
   * without a mailbox still has a photo in Entra).
   */
  async runProfile(
    request: EmulatorRequest,
    permissions: readonly string[],
    handler: (user: DirectoryUser) => EmulatorResponse | Promise<EmulatorResponse>,
  ): Promise<EmulatorResponse> {
    const caller = this.context.graphAuth.authorize(request, permissions);
    const user = findUserOrThrow(caller.tenant, requireParam(request, 'id'));
    return this.occupy(request, caller, user, () => handler(user));
  }

  private async occupy(
    request: EmulatorRequest,
    caller: GraphCaller,
    user: DirectoryUser,
    work: () => EmulatorResponse | Promise<EmulatorResponse>,
  ): Promise<EmulatorResponse> {
    const admission = this.context.outlookThrottle.admit(caller.tenant.id, caller.appId, user.id);
    if (!admission.admitted) throw mailboxThrottled(admission.limit, admission.retryAfterSeconds);
    try {
      const busyMs = request.mailboxWorkMs + this.context.outlookLimits().requestHoldMs;
      if (busyMs > 0) await sleep(busyMs);
      return await work();
    } finally {
      admission.release();
    }
  }
}
