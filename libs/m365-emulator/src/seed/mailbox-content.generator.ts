import { SeededRandom } from '../core/seeded.random';
import { HOUR_MS, MINUTE_MS } from '../core/time.format';
import { GIVEN_NAMES, GUEST_DOMAINS, JOB_TITLES, SURNAMES } from './seed-name.lists';
import type { DirectoryUser } from '../state/directory-user';
import type { FreeBusyStatus } from '../state/mailbox/calendar-event';
import type { ContactFolder } from '../state/mailbox/contact-folder';
import type { Mailbox } from '../state/mailbox/mailbox';

export interface MailboxContentOptions {
  readonly contactsPerUser: number;
  readonly eventsPerUser: number;
  readonly seed: number | string;
  /** Seeded events sit around this instant (the emulator clock when seeding, rounded down to the hour). */
  readonly anchorMs: number;
}

const COMPANIES: readonly string[] = [
  'Fabrikam',
  'Northwind Traders',
  'Tailspin Toys',
  'Woodgrove Bank',
  'Litware',
];
const SHOW_AS_CYCLE: readonly FreeBusyStatus[] = [
  'busy',
  'tentative',
  'oof',
  'busy',
  'free',
  'workingElsewhere',
];
const SUBJECTS: readonly string[] = [
  'Standup',
  'Customer call',
  'Planning',
  'Review',
  'Training',
  'Focus time',
];
const EMPTY: readonly string[] = [];

/**
 * Deterministic mailbox content: the default Contacts folder plus "Customers" (with "Key Accounts" and
 * "Key Accounts/Archive" below it, so two levels of nesting), "Suppliers" and "Family", K contacts spread
 * across them, and events around the seeding time. Generated per mailbox on first use.
 */
export class MailboxContentGenerator {
  constructor(private readonly options: MailboxContentOptions) {}

  populate(mailbox: Mailbox, user: DirectoryUser): void {
    const random = new SeededRandom(`${String(this.options.seed)}:${user.id}`);
    const now = this.options.anchorMs;
    const customers = mailbox.addFolder('Customers');
    const keyAccounts = mailbox.addFolder('Key Accounts', customers.id);
    const archive = mailbox.addFolder('Archive', keyAccounts.id);
    const suppliers = mailbox.addFolder('Suppliers');
    const family = mailbox.addFolder('Family');
    // Ten slots: 4 default, 2 customers, 1 key accounts, 1 archive, 1 suppliers, 1 family.
    const slots: readonly ContactFolder[] = [
      mailbox.defaultFolder,
      mailbox.defaultFolder,
      customers,
      keyAccounts,
      mailbox.defaultFolder,
      suppliers,
      customers,
      archive,
      mailbox.defaultFolder,
      family,
    ];
    for (let index = 0; index < this.options.contactsPerUser; index++) {
      const given = random.pick(GIVEN_NAMES);
      const surname = random.pick(SURNAMES);
      const company = random.pick(COMPANIES);
      const domain = random.pick(GUEST_DOMAINS);
      const folder = slots[index % slots.length] ?? mailbox.defaultFolder;
      mailbox.addContact(
        folder.id,
        {
          displayName: `${given} ${surname}`,
          givenName: given,
          surname,
          companyName: folder === family ? null : company,
          jobTitle: folder === family ? null : random.pick(JOB_TITLES),
          businessPhones: folder === family ? EMPTY : [`+49 30 ${String(200000 + index)}`],
          homePhones: folder === family ? [`+49 30 ${String(900000 + index)}`] : EMPTY,
          mobilePhone: `+49 171 ${String(user.ordinal % 1000).padStart(3, '0')}${String(index).padStart(4, '0')}`,
          emailAddresses: [
            { name: `${given} ${surname}`, address: `${given}.${surname}${index}@${domain}`.toLowerCase() },
          ],
        },
        now,
      );
    }
    const anchor = now - (now % HOUR_MS);
    const half = Math.floor(this.options.eventsPerUser / 2);
    for (let index = 0; index < this.options.eventsPerUser; index++) {
      const startMs = anchor + (index - half) * 2 * HOUR_MS + random.int(4) * 15 * MINUTE_MS;
      mailbox.addEvent(
        {
          subject: `${random.pick(SUBJECTS)} ${index + 1}`,
          startMs,
          endMs: startMs + (30 + random.int(3) * 30) * MINUTE_MS,
          showAs: SHOW_AS_CYCLE[index % SHOW_AS_CYCLE.length] ?? 'busy',
          isAllDay: false,
          isCancelled: index % 9 === 8,
          location: index % 2 === 0 ? 'Teams' : null,
        },
        now,
      );
    }
  }
}
