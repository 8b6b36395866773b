import { X509Certificate } from 'node:crypto';
import type { EmulatorClock } from '../core/emulator.clock';
import type { SeededRandom } from '../core/seeded.random';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../core/time.format';
import type { EmulatorUrls } from '../emulator-urls';
import { SigningKeyRing, type PublishedSigningKey } from '../entra/signing-key.ring';
import { ControlError } from './control.error';
import { MailboxControl } from './mailbox.control';
import type {
  ContactFolderInfo,
  ContactInfo,
  ContactInput,
  EventInfo,
  EventInput,
  MailboxInfo,
  MailboxRef,
  SubscriptionInfo,
} from './mailbox-control.types';
import { SubscriptionControl } from './subscription.control';
import { PresenceControl, type UserPresenceInfo } from './presence.control';
import type {
  AppInfo,
  CertificateInfo,
  ClockAdvanceInput,
  CreateTenantInput,
  GroupInfo,
  GroupInput,
  RegisterAppInput,
  TenantInfo,
  UserInfo,
  UserInput,
} from './control.types';
import type {
  FaultConfig,
  ThrottleNextInput,
  FailAfterHandlingInput,
  ThrottlingConfig,
  ThrottlingInput,
} from '../faults/fault.config';
import type { FaultInjector } from '../faults/fault.injector';
import type { CountersSnapshot, RequestCounters } from '../faults/request.counters';
import type { ResourceUnitThrottle } from '../faults/resource-unit.throttle';
import { restoreDeletedGroup } from '../graph/deleted-items.routes';
import { photoEtag } from '../graph/photos.routes';
import type {
  ChangeNotificationDispatcher,
  LifecycleEvent,
} from '../graph/subscriptions/change-notification.dispatcher';
import type { SubscriptionRegistry } from '../graph/subscriptions/subscription.registry';
import { DirectorySeeder, type SeedOptions, type SeedResult } from '../seed/directory.seeder';
import { readJpegSize } from '../seed/jpeg.generator';
import { AppRegistration } from '../state/app-registration';
import type { DirectoryGroup } from '../state/directory-group';
import type { DirectoryUser, DirectoryUserFields } from '../state/directory-user';
import type { KeyCredential } from '../state/key-credential';
import type { UserPurpose } from '../state/mailbox/mailbox.store';
import type { SentMailRecord } from '../state/mailbox/sent-mail.log';
import { type TenantRegistry } from '../state/tenant.registry';
import { TenantState } from '../state/tenant.state';

export interface ControlDependencies {
  readonly tenants: TenantRegistry;
  readonly clock: EmulatorClock;
  readonly urls: EmulatorUrls;
  readonly ids: SeededRandom;
  readonly faults: FaultInjector;
  readonly throttle: ResourceUnitThrottle;
  readonly counters: RequestCounters;
  readonly subscriptions: SubscriptionRegistry;
  readonly notifications: ChangeNotificationDispatcher;
}

/**
 * The in-process control API. Every method takes one plain-object argument so the HTTP control API
 * (POST /_emulator/{method}) maps 1:1 onto it.
 */
export class EmulatorControl {
  private readonly mailboxes: MailboxControl;
  private readonly webhooks: SubscriptionControl;
  private readonly presence: PresenceControl;

  constructor(private readonly deps: ControlDependencies) {
    this.mailboxes = new MailboxControl(
      (idOrDomain) => this.tenant(idOrDomain),
      () => deps.tenants.all(),
      deps.clock,
    );
    this.webhooks = new SubscriptionControl(deps.subscriptions, deps.notifications, deps.clock);
    this.presence = new PresenceControl((idOrDomain) => this.tenant(idOrDomain), deps.clock);
  }

  // ---- tenants & apps -------------------------------------------------------------------------

  async createTenant(input: CreateTenantInput): Promise<TenantInfo> {
    if (!input.domain) throw ControlError.invalid('domain is required');
    const id = (input.id ?? this.deps.ids.guid()).toLowerCase();
    const keys = await SigningKeyRing.create(this.deps.clock.now());
    const tenant = new TenantState(id, input.domain.toLowerCase(), input.displayName ?? input.domain, keys);
    try {
      this.deps.tenants.add(tenant);
    } catch (error) {
      throw ControlError.invalid(error instanceof Error ? error.message : String(error));
    }
    return this.describeTenant(tenant);
  }

  listTenants(_input: object = {}): TenantInfo[] {
    return this.deps.tenants.all().map((tenant) => this.describeTenant(tenant));
  }

  getTenant(input: { tenant: string }): TenantInfo {
    return this.describeTenant(this.tenant(input.tenant));
  }

  registerApp(input: RegisterAppInput): AppInfo {
    const tenant = this.tenant(input.tenant);
    const clientId = (input.clientId ?? this.deps.ids.guid()).toLowerCase();
    if (tenant.findApp(clientId)) throw ControlError.invalid(`App ${clientId} already exists`);
    const app = new AppRegistration(clientId, input.displayName, this.deps.ids.guid());
    for (const uri of input.redirectUris ?? []) app.redirectUris.add(uri);
    for (const role of input.permissions ?? []) app.grantedRoles.add(role);
    tenant.apps.set(clientId, app);
    return this.describeApp(tenant, app);
  }

  updateApp(input: {
    tenant: string;
    clientId: string;
    displayName?: string;
    redirectUris?: string[];
  }): AppInfo {
    const tenant = this.tenant(input.tenant);
    const app = this.app(tenant, input.clientId);
    if (input.displayName !== undefined) app.displayName = input.displayName;
    if (input.redirectUris !== undefined) {
      app.redirectUris.clear();
      for (const uri of input.redirectUris) app.redirectUris.add(uri);
    }
    return this.describeApp(tenant, app);
  }

  getApp(input: { tenant: string; clientId: string }): AppInfo {
    const tenant = this.tenant(input.tenant);
    return this.describeApp(tenant, this.app(tenant, input.clientId));
  }

  deleteApp(input: { tenant: string; clientId: string }): { deleted: true } {
    const tenant = this.tenant(input.tenant);
    if (!tenant.apps.delete(this.app(tenant, input.clientId).clientId)) throw ControlError.notFound('App');
    return { deleted: true };
  }

  /** Accepts PEM (.cer/.pem/.crt as the portal does, §1.7) or base64 DER; RSA only, as Entra (§1.2). */
  addCertificate(input: {
    tenant: string;
    clientId: string;
    pem: string;
    displayName?: string;
  }): CertificateInfo {
    const app = this.app(this.tenant(input.tenant), input.clientId);
    let certificate: X509Certificate;
    try {
      const text = input.pem.trim();
      certificate = new X509Certificate(text.includes('-----BEGIN') ? text : Buffer.from(text, 'base64'));
    } catch {
      throw ControlError.invalid('The certificate could not be parsed (expected PEM or base64 DER)');
    }
    if (certificate.publicKey.asymmetricKeyType !== 'rsa') {
      throw ControlError.invalid('Only RSA certificates can be used as client credentials');
    }
    const sha1 = certificate.fingerprint.replace(/:/g, '').toUpperCase();
    if (app.findKeyBySha1(sha1)) throw ControlError.invalid('This certificate is already uploaded');
    const key: KeyCredential = {
      keyId: this.deps.ids.guid(),
      displayName: input.displayName ?? certificate.subject.replace(/\n/g, ', '),
      thumbprintSha1Hex: sha1,
      thumbprintSha256Hex: certificate.fingerprint256.replace(/:/g, '').toUpperCase(),
      customKeyIdentifier: Buffer.from(sha1, 'hex').toString('base64'),
      startDateTime: new Date(certificate.validFrom),
      endDateTime: new Date(certificate.validTo),
      publicKey: certificate.publicKey,
      certificatePem: certificate.toString(),
    };
    app.keyCredentials.set(key.keyId, key);
    return this.describeKey(key);
  }

  removeCertificate(input: { tenant: string; clientId: string; keyId: string }): { removed: true } {
    const app = this.app(this.tenant(input.tenant), input.clientId);
    if (!app.keyCredentials.delete(input.keyId)) throw ControlError.notFound('Certificate');
    return { removed: true };
  }

  grantPermissions(input: { tenant: string; clientId: string; permissions: string[] }): AppInfo {
    const tenant = this.tenant(input.tenant);
    const app = this.app(tenant, input.clientId);
    for (const permission of input.permissions) app.grantedRoles.add(permission);
    return this.describeApp(tenant, app);
  }

  revokePermissions(input: { tenant: string; clientId: string; permissions: string[] }): AppInfo {
    const tenant = this.tenant(input.tenant);
    const app = this.app(tenant, input.clientId);
    for (const permission of input.permissions) app.grantedRoles.delete(permission);
    return this.describeApp(tenant, app);
  }

  /**
   * A revocation event for the app's service principal (continuous access evaluation, docs/graph-notes.md §1.8):
   * every CAE-capable app token issued so far is refused with a claims challenge; new tokens work.
   */
  revokeAppTokens(input: { tenant: string; clientId: string }): { revokedTokens: number } {
    const app = this.app(this.tenant(input.tenant), input.clientId);
    return { revokedTokens: app.revokeTokens() };
  }

  // ---- users ----------------------------------------------------------------------------------

  addUser(input: { tenant: string; user: UserInput }): UserInfo {
    const tenant = this.tenant(input.tenant);
    const { id, password, ...fields } = input.user;
    if (!fields.userPrincipalName) throw ControlError.invalid('user.userPrincipalName is required');
    const given = fields.givenName ?? null;
    const surname = fields.surname ?? null;
    const complete: DirectoryUserFields = {
      displayName: [given, surname].filter((part) => part !== null).join(' ') || fields.userPrincipalName,
      givenName: given,
      surname,
      mail: fields.userType === 'Guest' ? null : fields.userPrincipalName,
      mailNickname: fields.userPrincipalName.split('@')[0] ?? null,
      department: null,
      jobTitle: null,
      mobilePhone: null,
      businessPhones: [],
      officeLocation: null,
      accountEnabled: true,
      userType: 'Member',
      employeeId: null,
      employeeType: null,
      preferredLanguage: null,
      companyName: null,
      usageLocation: null,
      city: null,
      country: null,
      otherMails: [],
      createdDateTime: new Date(this.deps.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ...fields,
    };
    const user = this.wrap(() => tenant.users.add(id ?? this.deps.ids.guid(), complete));
    user.password = password;
    return this.describeUser(user);
  }

  updateUser(input: { tenant: string; user: string; changes: Partial<DirectoryUserFields> }): UserInfo {
    const tenant = this.tenant(input.tenant);
    const user = this.user(tenant, input.user);
    this.wrap(() => tenant.users.update(user, input.changes));
    return this.describeUser(user);
  }

  getUser(input: { tenant: string; user: string }): UserInfo & { fields: DirectoryUserFields } {
    const user = this.user(this.tenant(input.tenant), input.user);
    return { ...this.describeUser(user), fields: user.fields };
  }

  /** Every live user of the tenant with its fields: the truth that sync tests compare a PBX against. */
  listUsers(input: { tenant: string }): (UserInfo & { fields: DirectoryUserFields })[] {
    return this.tenant(input.tenant)
      .users.all()
      .map((user) => ({ ...this.describeUser(user), fields: user.fields }));
  }

  disableUser(input: { tenant: string; user: string }): UserInfo {
    return this.updateUser({ tenant: input.tenant, user: input.user, changes: { accountEnabled: false } });
  }

  enableUser(input: { tenant: string; user: string }): UserInfo {
    return this.updateUser({ tenant: input.tenant, user: input.user, changes: { accountEnabled: true } });
  }

  moveUserToDepartment(input: { tenant: string; user: string; department: string | null }): UserInfo {
    return this.updateUser({
      tenant: input.tenant,
      user: input.user,
      changes: { department: input.department },
    });
  }

  setPassword(input: { tenant: string; user: string; password: string }): { updated: true } {
    const user = this.user(this.tenant(input.tenant), input.user);
    user.password = input.password;
    // A password change invalidates the user's refresh tokens (AADSTS50173: "The user might have changed or
    // reset their password"; docs/graph-notes.md §14).
    user.signInSessionsValidFromMs = this.deps.clock.now();
    return { updated: true };
  }

  /**
   * What an admin does with `POST /users/{id}/revokeSignInSessions`: every refresh token issued to the user before
   * now is refused from now on (https://learn.microsoft.com/en-us/graph/api/user-revokesigninsessions).
   */
  revokeSignInSessions(input: { tenant: string; user: string }): { signInSessionsValidFromDateTime: string } {
    const user = this.user(this.tenant(input.tenant), input.user);
    // One millisecond on, so that a token issued in this same millisecond counts as before the revocation.
    user.signInSessionsValidFromMs = this.deps.clock.now() + 1;
    return { signInSessionsValidFromDateTime: new Date(user.signInSessionsValidFromMs).toISOString() };
  }

  /** Soft delete by default: delta reports @removed reason "changed"; permanent → "deleted" (§3.2). */
  deleteUser(input: { tenant: string; user: string; permanent?: boolean }): { deleted: true } {
    const tenant = this.tenant(input.tenant);
    const user = this.user(tenant, input.user);
    tenant.groups.removeMemberEverywhere(user.id);
    tenant.users.remove(user, input.permanent === true);
    return { deleted: true };
  }

  /** Photo changes are not tracked by delta (§3.2), so they don't touch the change log. */
  setPhoto(input: {
    tenant: string;
    user: string;
    jpegBase64?: string;
    bytes?: Buffer;
    width?: number;
    height?: number;
  }): {
    etag: string;
    width: number;
    height: number;
  } {
    const user = this.user(this.tenant(input.tenant), input.user);
    const bytes =
      input.bytes ?? (input.jpegBase64 !== undefined ? Buffer.from(input.jpegBase64, 'base64') : undefined);
    if (!bytes || bytes.length === 0) throw ControlError.invalid('jpegBase64 (or bytes) is required');
    if (bytes.length > 4 * 1024 * 1024)
      throw ControlError.invalid('Photos are limited to 4 MB (docs/graph-notes.md §4)');
    const size = readJpegSize(bytes);
    const width = input.width ?? size?.width;
    const height = input.height ?? size?.height;
    if (width === undefined || height === undefined)
      throw ControlError.invalid('Not a JPEG; pass width and height');
    const etag = photoEtag(bytes);
    user.photo = { kind: 'uploaded', bytes, width, height, etag };
    return { etag, width, height };
  }

  removePhoto(input: { tenant: string; user: string }): { removed: true } {
    this.user(this.tenant(input.tenant), input.user).photo = undefined;
    return { removed: true };
  }

  // ---- groups ---------------------------------------------------------------------------------

  createGroup(input: { tenant: string; group: GroupInput }): GroupInfo {
    const tenant = this.tenant(input.tenant);
    const { id, ...fields } = input.group;
    const nickname = fields.mailNickname ?? fields.displayName.toLowerCase().replace(/[^a-z0-9]+/g, '-');
    const group = this.wrap(() =>
      tenant.groups.add(id ?? this.deps.ids.guid(), {
        description: null,
        mail: null,
        mailNickname: nickname,
        mailEnabled: false,
        securityEnabled: true,
        groupTypes: [],
        visibility: null,
        createdDateTime: new Date(this.deps.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        ...fields,
      }),
    );
    return this.describeGroup(group);
  }

  updateGroup(input: { tenant: string; group: string; changes: Partial<GroupInput> }): GroupInfo {
    const tenant = this.tenant(input.tenant);
    const group = this.group(tenant, input.group);
    const { id: _id, ...changes } = input.changes;
    tenant.groups.update(group, changes);
    return this.describeGroup(group);
  }

  /**
   * Microsoft 365 and security groups go to the deleted items (restorable for 30 days); distribution groups
   * (mail-enabled, not security, not Unified) and `permanent` are deleted for good (docs/graph-notes.md §3.3).
   */
  deleteGroup(input: { tenant: string; group: string; permanent?: boolean }): { deleted: true } {
    const tenant = this.tenant(input.tenant);
    const group = this.group(tenant, input.group);
    const { mailEnabled, securityEnabled, groupTypes } = group.fields;
    const distribution = mailEnabled && !securityEnabled && !groupTypes.includes('Unified');
    tenant.groups.remove(group, input.permanent === true || distribution, this.deps.clock.now());
    return { deleted: true };
  }

  /** What an admin's "Restore group" in Entra does: `POST /directory/deletedItems/{id}/restore`. */
  restoreGroup(input: { tenant: string; group: string }): GroupInfo {
    const tenant = this.tenant(input.tenant);
    const restored = restoreDeletedGroup(tenant, input.group, this.deps.clock.now());
    if (!restored) throw ControlError.notFound(`Deleted group ${input.group}`);
    return this.describeGroup(restored);
  }

  /** member is a user id/UPN or a group id (nesting allowed, cycles too). */
  addGroupMember(input: { tenant: string; group: string; member: string }): GroupInfo {
    const tenant = this.tenant(input.tenant);
    const group = this.group(tenant, input.group);
    const user = tenant.users.find(input.member);
    const nested = user ? undefined : tenant.groups.find(input.member);
    if (!user && !nested) throw ControlError.notFound(`Member ${input.member}`);
    if (nested === group) throw ControlError.invalid('A group cannot be a member of itself');
    tenant.groups.addMember(group, user ? user.id : (nested?.id ?? ''), user ? 'user' : 'group');
    return this.describeGroup(group);
  }

  removeGroupMember(input: { tenant: string; group: string; member: string }): GroupInfo {
    const tenant = this.tenant(input.tenant);
    const group = this.group(tenant, input.group);
    const memberId = tenant.users.find(input.member)?.id ?? input.member;
    if (!tenant.groups.removeMember(group, memberId)) throw ControlError.notFound(`Member ${input.member}`);
    return this.describeGroup(group);
  }

  // ---- signing keys, clock, delta ---------------------------------------------------------------

  listSigningKeys(input: { tenant: string }): PublishedSigningKey[] {
    return this.tenant(input.tenant).signingKeys.describe();
  }

  /** Publishes a new key; with activate it also signs new tokens (the old key stays published). */
  async addSigningKey(input: { tenant: string; activate?: boolean }): Promise<PublishedSigningKey[]> {
    const tenant = this.tenant(input.tenant);
    await tenant.signingKeys.addKey(this.deps.clock.now(), input.activate === true);
    return tenant.signingKeys.describe();
  }

  async rotateSigningKey(input: { tenant: string }): Promise<PublishedSigningKey[]> {
    return this.addSigningKey({ tenant: input.tenant, activate: true });
  }

  activateSigningKey(input: { tenant: string; kid: string }): PublishedSigningKey[] {
    const tenant = this.tenant(input.tenant);
    this.wrap(() => tenant.signingKeys.activate(input.kid));
    return tenant.signingKeys.describe();
  }

  removeSigningKey(input: { tenant: string; kid: string }): PublishedSigningKey[] {
    const tenant = this.tenant(input.tenant);
    this.wrap(() => tenant.signingKeys.remove(input.kid));
    return tenant.signingKeys.describe();
  }

  getClock(_input: object = {}): { now: string; epochMs: number } {
    const now = this.deps.clock.now();
    return { now: new Date(now).toISOString(), epochMs: now };
  }

  advanceClock(input: ClockAdvanceInput): { now: string; epochMs: number } {
    const ms =
      (input.ms ?? 0) +
      (input.seconds ?? 0) * 1000 +
      (input.minutes ?? 0) * MINUTE_MS +
      (input.hours ?? 0) * HOUR_MS +
      (input.days ?? 0) * DAY_MS;
    this.wrap(() => this.deps.clock.advance(ms));
    return this.getClock();
  }

  setClock(input: { iso: string }): { now: string; epochMs: number } {
    const time = Date.parse(input.iso);
    if (Number.isNaN(time)) throw ControlError.invalid('iso must be an ISO-8601 timestamp');
    this.deps.clock.set(time);
    return this.getClock();
  }

  /** Every delta/skip token issued so far answers 410 syncStateNotFound on its next use. */
  expireDeltaTokens(input: { tenant: string }): { epoch: number } {
    const tenant = this.tenant(input.tenant);
    tenant.deltaTokenEpoch += 1;
    return { epoch: tenant.deltaTokenEpoch };
  }

  // ---- faults, throttling, counters -------------------------------------------------------------

  getFaults(_input: object = {}): FaultConfig {
    return this.deps.faults.snapshot();
  }

  setFaults(input: Partial<FaultConfig>): FaultConfig {
    return this.wrap(() => this.deps.faults.configure(input));
  }

  throttleNext(input: ThrottleNextInput): { queued: number } {
    this.wrap(() => this.deps.faults.throttleNext(input));
    return { queued: input.count };
  }

  /** The next N matching requests take effect, then answer a 5xx (default 504): "accepted, answer lost". */
  failAfterHandlingNext(input: FailAfterHandlingInput): { queued: number } {
    this.wrap(() => this.deps.faults.failAfterHandlingNext(input));
    return { queued: input.count };
  }

  clearThrottles(_input: object = {}): { cleared: true } {
    this.deps.faults.clearForcedThrottles();
    return { cleared: true };
  }

  getThrottling(_input: object = {}): ThrottlingConfig {
    return this.deps.throttle.snapshot();
  }

  /** Also configures the Outlook limits: setThrottling({outlook: {requestsPer10Minutes, ...}}). */
  setThrottling(input: ThrottlingInput): ThrottlingConfig {
    return this.wrap(() => this.deps.throttle.configure(input));
  }

  getCounters(_input: object = {}): CountersSnapshot {
    return this.deps.counters.snapshot();
  }

  resetCounters(_input: object = {}): CountersSnapshot {
    this.deps.counters.reset();
    return this.deps.counters.snapshot();
  }

  /** Deterministic bulk directory (see DirectorySeeder). */
  async seed(input: SeedOptions): Promise<SeedResult> {
    if (!Number.isInteger(input.users) || input.users < 0)
      throw ControlError.invalid('users must be a non-negative integer');
    return new DirectorySeeder(this).seed(input);
  }

  // ---- mailboxes, contacts, events, mail (MailboxControl) -----------------------------------------

  /**
   * A shared mailbox is a disabled user whose mailboxSettings.userPurpose is "shared" (docs/graph-notes.md
   * §7).
   */
  createSharedMailbox(input: {
    tenant: string;
    userPrincipalName: string;
    displayName?: string;
    id?: string;
  }): UserInfo & { userPurpose: 'shared' } {
    const user = this.addUser({
      tenant: input.tenant,
      user: {
        id: input.id,
        userPrincipalName: input.userPrincipalName,
        displayName: input.displayName ?? input.userPrincipalName.split('@')[0] ?? input.userPrincipalName,
        accountEnabled: false,
      },
    });
    this.tenant(input.tenant).mailboxes.setPurpose(user.id, 'shared');
    return { ...user, userPurpose: 'shared' };
  }

  setMailboxEnabled(input: MailboxRef & { enabled: boolean }): MailboxInfo {
    return this.mailboxes.setMailboxEnabled(input);
  }

  setMailboxAccessPolicy(input: MailboxRef & { blocked: boolean; clientId?: string }): MailboxInfo {
    return this.mailboxes.setMailboxAccessPolicy(input);
  }

  setMailboxSettings(input: MailboxRef & { userPurpose?: UserPurpose; timeZone?: string }): MailboxInfo {
    return this.mailboxes.setMailboxSettings(input);
  }

  getMailbox(input: MailboxRef): MailboxInfo {
    return this.mailboxes.getMailbox(input);
  }

  addContactFolder(input: MailboxRef & { displayName: string; parentFolderId?: string }): ContactFolderInfo {
    return this.mailboxes.addContactFolder(input);
  }

  renameContactFolder(input: MailboxRef & { folderId: string; displayName: string }): ContactFolderInfo {
    return this.mailboxes.renameContactFolder(input);
  }

  deleteContactFolder(input: MailboxRef & { folderId: string }): { deleted: true; contactsRemoved: number } {
    return this.mailboxes.deleteContactFolder(input);
  }

  addContact(input: MailboxRef & { folderId?: string; contact: ContactInput }): ContactInfo {
    return this.mailboxes.addContact(input);
  }

  updateContact(input: MailboxRef & { contactId: string; changes: ContactInput }): ContactInfo {
    return this.mailboxes.updateContact(input);
  }

  deleteContact(input: MailboxRef & { contactId: string }): { deleted: true } {
    return this.mailboxes.deleteContact(input);
  }

  addEvent(input: MailboxRef & { event: EventInput }): EventInfo {
    return this.mailboxes.addEvent(input);
  }

  updateEvent(input: MailboxRef & { eventId: string; changes: Partial<EventInput> }): EventInfo {
    return this.mailboxes.updateEvent(input);
  }

  deleteEvent(input: MailboxRef & { eventId: string }): { deleted: true } {
    return this.mailboxes.deleteEvent(input);
  }

  /** What was delivered, per tenant (all tenants without `tenant`), oldest first. */
  listSentMail(input: { tenant?: string } = {}): SentMailRecord[] {
    return this.mailboxes.listSentMail(input);
  }

  clearSentMail(input: { tenant?: string } = {}): { cleared: number } {
    return this.mailboxes.clearSentMail(input);
  }

  // ---- change notifications (SubscriptionControl) -----------------------------------------------

  listSubscriptions(input: { tenant?: string } = {}): SubscriptionInfo[] {
    return this.webhooks.listSubscriptions(input);
  }

  triggerLifecycleNotification(input: {
    subscriptionId: string;
    lifecycleEvent: LifecycleEvent;
  }): Promise<{ delivered: boolean }> {
    return this.webhooks.triggerLifecycleNotification(input);
  }

  flushNotifications(input: object = {}): Promise<{ flushed: true }> {
    return this.webhooks.flushNotifications(input);
  }

  // ---- Teams presence (PresenceControl) ---------------------------------------------------------

  /** The user sets their Teams presence by hand (a preferred presence, over a signed-in Teams client). */
  setUserPresence(input: {
    tenant: string;
    user: string;
    availability: string;
    activity: string;
  }): UserPresenceInfo {
    return this.presence.setUserPresence(input);
  }

  clearUserPresence(input: { tenant: string; user: string }): UserPresenceInfo {
    return this.presence.clearUserPresence(input);
  }

  getUserPresence(input: { tenant: string; user: string }): UserPresenceInfo {
    return this.presence.getUserPresence(input);
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** Direct access for the seeder and for future resource families' control methods. */
  tenant(idOrDomain: string): TenantState {
    const tenant = this.deps.tenants.resolve(idOrDomain ?? '');
    if (!tenant) throw ControlError.notFound(`Tenant ${idOrDomain}`);
    return tenant;
  }

  private app(tenant: TenantState, clientId: string): AppRegistration {
    const app = tenant.findApp(clientId ?? '');
    if (!app) throw ControlError.notFound(`App ${clientId}`);
    return app;
  }

  private user(tenant: TenantState, idOrUpn: string): DirectoryUser {
    const user = tenant.users.find(idOrUpn ?? '');
    if (!user) throw ControlError.notFound(`User ${idOrUpn}`);
    return user;
  }

  private group(tenant: TenantState, id: string): DirectoryGroup {
    const group = tenant.groups.find(id ?? '');
    if (!group) throw ControlError.notFound(`Group ${id}`);
    return group;
  }

  private wrap<T>(action: () => T): T {
    try {
      return action();
    } catch (error) {
      if (error instanceof ControlError) throw error;
      throw ControlError.invalid(error instanceof Error ? error.message : String(error));
    }
  }

  private describeTenant(tenant: TenantState): TenantInfo {
    return {
      id: tenant.id,
      domain: tenant.domain,
      displayName: tenant.displayName,
      authority: this.deps.urls.authority(tenant.id),
      tokenEndpoint: this.deps.urls.tokenEndpoint(tenant.id),
      issuer: this.deps.urls.issuer(tenant.id),
      userCount: tenant.users.size,
      groupCount: tenant.groups.size,
    };
  }

  private describeApp(tenant: TenantState, app: AppRegistration): AppInfo {
    return {
      tenantId: tenant.id,
      clientId: app.clientId,
      displayName: app.displayName,
      servicePrincipalId: app.servicePrincipalId,
      redirectUris: [...app.redirectUris],
      permissions: [...app.grantedRoles].sort(),
      certificates: [...app.keyCredentials.values()].map((key) => this.describeKey(key)),
    };
  }

  private describeKey(key: KeyCredential): CertificateInfo {
    return {
      keyId: key.keyId,
      thumbprintSha1Hex: key.thumbprintSha1Hex,
      thumbprintSha256Hex: key.thumbprintSha256Hex,
      customKeyIdentifier: key.customKeyIdentifier,
      startDateTime: key.startDateTime.toISOString(),
      endDateTime: key.endDateTime.toISOString(),
    };
  }

  private describeUser(user: DirectoryUser): UserInfo {
    return {
      id: user.id,
      userPrincipalName: user.fields.userPrincipalName,
      displayName: user.fields.displayName,
      accountEnabled: user.fields.accountEnabled,
      userType: user.fields.userType,
      department: user.fields.department,
      hasPhoto: user.photo !== undefined,
    };
  }

  private describeGroup(group: DirectoryGroup): GroupInfo {
    return { id: group.id, displayName: group.fields.displayName, memberCount: group.members.size };
  }
}
