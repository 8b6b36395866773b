import { SeededRandom } from '../core/seeded.random';
import type { EmulatorControl } from '../control/emulator.control';
import { photoEtag } from '../graph/photos.routes';
import { MailboxContentGenerator } from './mailbox-content.generator';
import {
  DEPARTMENTS,
  GIVEN_NAMES,
  GUEST_DOMAINS,
  JOB_TITLES,
  LANGUAGES,
  OFFICES,
  SURNAMES,
} from './seed-name.lists';
import type { DirectoryGroup } from '../state/directory-group';
import type { DirectoryUser, DirectoryUserFields } from '../state/directory-user';
import type { TenantState } from '../state/tenant.state';

export interface SeedOptions {
  /** Tenant directory id; derived from the seed when omitted. Reuses the tenant when it exists. */
  tenantId?: string;
  domain?: string;
  tenantDisplayName?: string;
  users: number;
  /** Count (taken from a built-in list) or explicit names. */
  departments?: number | string[];
  /** Levels of team groups below each department group (0 = users sit in the department group). */
  groupDepth?: number;
  /** Child groups per group in the team tree. */
  groupFanout?: number;
  /** true = every member gets a photo; a number = that fraction. Photos render lazily. */
  photos?: boolean | number;
  /**
   * Bytes of each seeded photo at least (filler a decoder skips), for a realistic weight in transit and memory; by
   * default a photo is as small as it renders (a few hundred bytes).
   */
  photoBytes?: number;
  guests?: number;
  disabled?: number;
  /** Fraction of accounts without givenName and surname (rooms, shared mailboxes). */
  withoutNames?: number;
  password?: string;
  seed?: number | string;
  /** Contacts per mailbox across the default folder and nested child folders (generated on first use). */
  contactsPerUser?: number;
  /** Shared mailboxes (disabled users with userPurpose "shared"), with the same seeded contacts. */
  sharedMailboxes?: number;
  /** Calendar events per mailbox around the emulator clock's "now" at seeding time. */
  eventsPerUser?: number;
  /** Registers an app with these application permissions (false = no app). */
  app?: false | { clientId?: string; displayName?: string; permissions?: string[]; redirectUris?: string[] };
}

export interface SeedResult {
  tenantId: string;
  domain: string;
  clientId: string | undefined;
  userCount: number;
  groupCount: number;
  rootGroupId: string;
  departmentGroupIds: Record<string, string>;
  password: string;
  sampleUserPrincipalNames: string[];
  sharedMailboxUserPrincipalNames: string[];
  durationMs: number;
}

export const DEFAULT_SEED_PERMISSIONS: readonly string[] = [
  'User.Read.All',
  'GroupMember.Read.All',
  'ProfilePhoto.Read.All',
];

/** Application permissions for the Outlook families (contacts, calendars, mailbox settings, mail). */
export const MAILBOX_SEED_PERMISSIONS: readonly string[] = [
  'Contacts.Read',
  'Calendars.Read',
  'MailboxSettings.Read',
  'Mail.Send',
  'Mail.ReadWrite',
];

const SEEDED_PHOTO_SIZES: readonly number[] = [96, 240, 240, 648];
const EMPTY: readonly string[] = [];

/**
 * Deterministic directory generator: the same options and seed always give the same ids, names, groups and
 * photos. It writes straight into the stores (100k users in a few seconds) and keeps strings shared.
 */
export class DirectorySeeder {
  constructor(private readonly control: EmulatorControl) {}

  async seed(options: SeedOptions): Promise<SeedResult> {
    const started = Date.now();
    const random = new SeededRandom(options.seed ?? 42);
    const tenantId = (options.tenantId ?? random.guid()).toLowerCase();
    const domain = (options.domain ?? 'contoso.onmicrosoft.com').toLowerCase();
    const tenant = await this.tenantFor(tenantId, domain, options.tenantDisplayName);
    const clientId = this.registerApp(tenant, options, random);
    const departments = Array.isArray(options.departments)
      ? options.departments
      : DEPARTMENTS.slice(0, Math.max(1, Math.min(DEPARTMENTS.length, options.departments ?? 5)));
    const password = options.password ?? 'Passw0rd!';
    const createdDateTime = '2024-01-15T08:00:00Z';
    const groups = this.createGroups(
      tenant,
      departments,
      options.groupDepth ?? 1,
      options.groupFanout ?? 2,
      random,
      createdDateTime,
    );
    const guestGroup = this.addGroup(tenant, random, 'External Guests', createdDateTime);
    tenant.groups.addMember(groups.root, guestGroup.id, 'group');

    const samples: string[] = [];
    const photoFraction =
      options.photos === true
        ? 1
        : options.photos === false || options.photos === undefined
          ? 0
          : options.photos;
    const departmentCounters = new Map<string, number>();
    let firstOrdinal: number | undefined;
    for (let index = 0; index < options.users; index++) {
      const given = random.pick(GIVEN_NAMES);
      const surname = random.pick(SURNAMES);
      const department = departments[index % departments.length] ?? 'General';
      const guest = random.chance(options.guests ?? 0);
      const disabled = random.chance(options.disabled ?? 0);
      const nameless = !guest && random.chance(options.withoutNames ?? 0);
      const withPhoto = !guest && random.chance(photoFraction);
      const photoSize = random.pick(SEEDED_PHOTO_SIZES);
      const fields = this.userFields(
        index,
        domain,
        given,
        surname,
        department,
        guest,
        disabled,
        nameless,
        random,
        createdDateTime,
      );
      const user = tenant.users.add(random.guid(), fields);
      firstOrdinal ??= user.ordinal;
      user.password = password;
      if (nameless) tenant.mailboxes.setPurpose(user.id, 'room');
      if (withPhoto)
        user.photo = {
          kind: 'seeded',
          seedIndex: index,
          size: photoSize,
          etag: photoEtag(index),
          ...(options.photoBytes ? { paddedToBytes: options.photoBytes } : {}),
        };
      if (guest) {
        tenant.groups.addMember(guestGroup, user.id, 'user');
      } else {
        const leaves = groups.leavesByDepartment.get(department) ?? [];
        const position = departmentCounters.get(department) ?? 0;
        departmentCounters.set(department, position + 1);
        const leaf = leaves[position % Math.max(1, leaves.length)];
        if (leaf) tenant.groups.addMember(leaf, user.id, 'user');
      }
      if (samples.length < 5 && !guest && !disabled) samples.push(fields.userPrincipalName);
    }
    const shared = this.addSharedMailboxes(
      tenant,
      options.sharedMailboxes ?? 0,
      domain,
      random,
      createdDateTime,
    );
    firstOrdinal ??= shared[0]?.ordinal;
    const lastOrdinal = tenant.users.all().at(-1)?.ordinal;
    if (
      firstOrdinal !== undefined &&
      lastOrdinal !== undefined &&
      ((options.contactsPerUser ?? 0) > 0 || (options.eventsPerUser ?? 0) > 0)
    ) {
      const generator = new MailboxContentGenerator({
        contactsPerUser: options.contactsPerUser ?? 0,
        eventsPerUser: options.eventsPerUser ?? 0,
        seed: options.seed ?? 42,
        anchorMs: this.control.getClock().epochMs,
      });
      tenant.mailboxes.addPlan({
        fromOrdinal: firstOrdinal,
        toOrdinal: lastOrdinal,
        populate: (mailbox, user) => generator.populate(mailbox, user),
      });
    }
    return {
      tenantId: tenant.id,
      domain: tenant.domain,
      clientId,
      userCount: tenant.users.size,
      groupCount: tenant.groups.size,
      rootGroupId: groups.root.id,
      departmentGroupIds: Object.fromEntries(
        [...groups.departmentGroups].map(([name, group]) => [name, group.id]),
      ),
      password,
      sampleUserPrincipalNames: samples,
      sharedMailboxUserPrincipalNames: shared.map((user) => user.fields.userPrincipalName),
      durationMs: Date.now() - started,
    };
  }

  /** Shared mailboxes are disabled users with userPurpose "shared" (docs/graph-notes.md §7). */
  private addSharedMailboxes(
    tenant: TenantState,
    count: number,
    domain: string,
    random: SeededRandom,
    createdDateTime: string,
  ): DirectoryUser[] {
    const names = ['Reception', 'Support', 'Sales Desk', 'Accounting', 'Facilities', 'Helpdesk'];
    const result: DirectoryUser[] = [];
    for (let index = 0; index < count; index++) {
      const label = `${names[index % names.length] ?? 'Shared'}${index >= names.length ? ` ${index + 1}` : ''}`;
      const local = `shared-${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
      const user = tenant.users.add(
        random.guid(),
        this.base(`${local}@${domain}`, label, null, null, createdDateTime, {
          mail: `${local}@${domain}`,
          accountEnabled: false,
        }),
      );
      tenant.mailboxes.setPurpose(user.id, 'shared');
      result.push(user);
    }
    return result;
  }

  private async tenantFor(
    tenantId: string,
    domain: string,
    displayName: string | undefined,
  ): Promise<TenantState> {
    const existing = this.control
      .listTenants()
      .find((tenant) => tenant.id === tenantId || tenant.domain === domain);
    if (!existing)
      await this.control.createTenant({ id: tenantId, domain, displayName: displayName ?? 'Contoso' });
    return this.control.tenant(existing?.id ?? tenantId);
  }

  private registerApp(tenant: TenantState, options: SeedOptions, random: SeededRandom): string | undefined {
    if (options.app === false) return undefined;
    const clientId = (options.app?.clientId ?? random.guid()).toLowerCase();
    if (tenant.findApp(clientId)) return clientId;
    this.control.registerApp({
      tenant: tenant.id,
      clientId,
      displayName: options.app?.displayName ?? 'PBX Microsoft 365 Integration',
      permissions: options.app?.permissions ?? [...DEFAULT_SEED_PERMISSIONS],
      redirectUris: options.app?.redirectUris ?? [],
    });
    return clientId;
  }

  private userFields(
    index: number,
    domain: string,
    given: string,
    surname: string,
    department: string,
    guest: boolean,
    disabled: boolean,
    nameless: boolean,
    random: SeededRandom,
    createdDateTime: string,
  ): DirectoryUserFields {
    const local = `${given}.${surname}${index}`.toLowerCase();
    const number = String(index).padStart(6, '0');
    if (nameless) {
      return this.base(`room${number}@${domain}`, `Room ${number}`, null, null, createdDateTime, {
        mail: `room${number}@${domain}`,
        department,
        officeLocation: random.pick(OFFICES),
        accountEnabled: !disabled,
      });
    }
    if (guest) {
      const guestDomain = random.pick(GUEST_DOMAINS);
      return this.base(
        `${local}_${guestDomain}#EXT#@${domain}`,
        `${given} ${surname} (Guest)`,
        given,
        surname,
        createdDateTime,
        {
          mail: `${local}@${guestDomain}`,
          userType: 'Guest',
          accountEnabled: !disabled,
          otherMails: [`${local}@${guestDomain}`],
        },
      );
    }
    return this.base(`${local}@${domain}`, `${given} ${surname}`, given, surname, createdDateTime, {
      mail: `${local}@${domain}`,
      department,
      jobTitle: random.pick(JOB_TITLES),
      mobilePhone: `+49 170 ${number}`,
      businessPhones: [`+49 30 ${String(100000 + index)}`],
      officeLocation: random.pick(OFFICES),
      accountEnabled: !disabled,
      employeeId: `E${number}`,
      preferredLanguage: random.pick(LANGUAGES),
      companyName: 'Contoso',
      usageLocation: 'DE',
    });
  }

  private base(
    userPrincipalName: string,
    displayName: string,
    givenName: string | null,
    surname: string | null,
    createdDateTime: string,
    overrides: Partial<DirectoryUserFields>,
  ): DirectoryUserFields {
    return {
      userPrincipalName,
      displayName,
      givenName,
      surname,
      mail: null,
      mailNickname: userPrincipalName.split('@')[0] ?? null,
      department: null,
      jobTitle: null,
      mobilePhone: null,
      businessPhones: EMPTY,
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
      otherMails: EMPTY,
      createdDateTime,
      ...overrides,
    };
  }

  private createGroups(
    tenant: TenantState,
    departments: readonly string[],
    depth: number,
    fanout: number,
    random: SeededRandom,
    createdDateTime: string,
  ): {
    root: DirectoryGroup;
    departmentGroups: Map<string, DirectoryGroup>;
    leavesByDepartment: Map<string, DirectoryGroup[]>;
  } {
    const root = this.addGroup(tenant, random, 'All Employees', createdDateTime);
    const departmentGroups = new Map<string, DirectoryGroup>();
    const leavesByDepartment = new Map<string, DirectoryGroup[]>();
    for (const department of departments) {
      const departmentGroup = this.addGroup(tenant, random, `Department ${department}`, createdDateTime);
      tenant.groups.addMember(root, departmentGroup.id, 'group');
      departmentGroups.set(department, departmentGroup);
      let level: { group: DirectoryGroup; label: string }[] = [{ group: departmentGroup, label: department }];
      for (let d = 0; d < depth; d++) {
        const next: { group: DirectoryGroup; label: string }[] = [];
        for (const parent of level) {
          for (let child = 1; child <= fanout; child++) {
            const label = d === 0 ? `${parent.label} Team ${child}` : `${parent.label}.${child}`;
            const group = this.addGroup(tenant, random, label, createdDateTime);
            tenant.groups.addMember(parent.group, group.id, 'group');
            next.push({ group, label });
          }
        }
        level = next;
      }
      leavesByDepartment.set(
        department,
        level.map((entry) => entry.group),
      );
    }
    return { root, departmentGroups, leavesByDepartment };
  }

  private addGroup(
    tenant: TenantState,
    random: SeededRandom,
    displayName: string,
    createdDateTime: string,
  ): DirectoryGroup {
    const mailNickname = displayName.toLowerCase().replace(/[^a-z0-9]+/g, '-');
    return tenant.groups.add(random.guid(), {
      displayName,
      description: `${displayName} (seeded)`,
      mail: null,
      mailNickname,
      mailEnabled: false,
      securityEnabled: true,
      groupTypes: EMPTY,
      visibility: null,
      createdDateTime,
    });
  }
}
