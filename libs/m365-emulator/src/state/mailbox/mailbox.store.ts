import type { DirectoryUser } from '../directory-user';
import { Mailbox } from './mailbox';
import type { ResourceChangeBus } from '../resource-change.bus';

/** mailboxSettings.userPurpose values (docs/graph-notes.md §7). */
export const USER_PURPOSES = ['user', 'linked', 'shared', 'room', 'equipment', 'others'] as const;
export type UserPurpose = (typeof USER_PURPOSES)[number];

/** Seeded mailbox content for a range of users, generated the first time such a mailbox is opened. */
export interface MailboxSeedPlan {
  readonly fromOrdinal: number;
  readonly toOrdinal: number;
  populate(mailbox: Mailbox, user: DirectoryUser): void;
}

/**
 * The tenant's Exchange side: which users have a mailbox (guests and unlicensed users don't), application
 * access policies, mailbox settings, and the mailboxes themselves, materialised lazily so 1,000 users x 200
 * contacts cost nothing until somebody reads or changes them.
 */
export class MailboxStore {
  private readonly mailboxes = new Map<string, Mailbox>();
  private readonly unlicensed = new Set<string>();
  /** userId -> app ids blocked by an application access policy ('*' = every app). */
  private readonly blockedApps = new Map<string, Set<string>>();
  private readonly purposes = new Map<string, UserPurpose>();
  private readonly timeZones = new Map<string, string>();
  private readonly plans: MailboxSeedPlan[] = [];

  constructor(private readonly changes: ResourceChangeBus) {}

  get materialisedCount(): number {
    return this.mailboxes.size;
  }

  /**
   * Guests have no mailbox in the home tenant; unlicensed users have none either (docs/graph-notes.md §10).
   */
  hasMailbox(user: DirectoryUser): boolean {
    return user.fields.userType !== 'Guest' && !this.unlicensed.has(user.id);
  }

  setLicensed(userId: string, licensed: boolean): void {
    if (licensed) this.unlicensed.delete(userId);
    else this.unlicensed.add(userId);
  }

  isBlocked(userId: string, appId: string): boolean {
    const apps = this.blockedApps.get(userId);
    return apps !== undefined && (apps.has('*') || apps.has(appId.toLowerCase()));
  }

  setAccessPolicy(userId: string, blocked: boolean, appId = '*'): void {
    const apps = this.blockedApps.get(userId) ?? new Set<string>();
    if (blocked) apps.add(appId.toLowerCase());
    else if (appId === '*') apps.clear();
    else apps.delete(appId.toLowerCase());
    if (apps.size === 0) this.blockedApps.delete(userId);
    else this.blockedApps.set(userId, apps);
  }

  purposeOf(userId: string): UserPurpose {
    return this.purposes.get(userId) ?? 'user';
  }

  setPurpose(userId: string, purpose: UserPurpose): void {
    this.purposes.set(userId, purpose);
  }

  timeZoneOf(userId: string): string {
    return this.timeZones.get(userId) ?? 'UTC';
  }

  setTimeZone(userId: string, timeZone: string): void {
    this.timeZones.set(userId, timeZone);
  }

  addPlan(plan: MailboxSeedPlan): void {
    this.plans.push(plan);
  }

  /** The user's mailbox, generated from the seed plan on first use. */
  open(user: DirectoryUser): Mailbox {
    const existing = this.mailboxes.get(user.id);
    if (existing) return existing;
    const mailbox = new Mailbox(user.id, (change) => this.changes.emit({ ...change, userId: user.id }));
    this.mailboxes.set(user.id, mailbox);
    const plan = this.plans.find(
      (candidate) => user.ordinal >= candidate.fromOrdinal && user.ordinal <= candidate.toOrdinal,
    );
    if (plan) mailbox.populate(() => plan.populate(mailbox, user));
    return mailbox;
  }
}
