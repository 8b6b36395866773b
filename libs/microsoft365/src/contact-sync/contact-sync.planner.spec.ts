import {
  evaluateContactScope,
  externalIdOf,
  planFolderPage,
  planFolders,
  planRemovedMailboxes,
  toPbxContact,
} from './contact-sync.planner';
import { type OutlookContact, toOutlookContactEntry } from './outlook-contact';
import { SelectionMode } from '../user-sync/user-scope';

const MAILBOX = '11111111-2222-3333-4444-555555555555';

function contact(overrides: Partial<OutlookContact> = {}): OutlookContact {
  return {
    id: 'AAMkAc1=',
    displayName: 'Ada Lovelace',
    givenName: 'Ada',
    surname: 'Lovelace',
    companyName: 'Analytical Engines',
    jobTitle: 'Engineer',
    businessPhones: ['+44 20 1234'],
    homePhones: [],
    mobilePhone: '+44 7700 900',
    emailAddresses: [{ name: 'Ada', address: 'ada@example.com' }],
    ...overrides,
  };
}

describe('contact sync planner', () => {
  it('names each contact by mailbox and contact id, stable across runs', () => {
    expect(externalIdOf(MAILBOX, 'AAMkAc1=')).toBe(`${MAILBOX}:AAMkAc1=`);
    expect(toPbxContact(MAILBOX, contact()).externalId).toBe(externalIdOf(MAILBOX, 'AAMkAc1='));
  });

  it('maps the fields a PBX shows, trimming empties and duplicates', () => {
    expect(
      toPbxContact(
        MAILBOX,
        contact({
          companyName: '  ',
          businessPhones: ['+1 555', '+1 555', ''],
          emailAddresses: [{ address: 'a@x.com' }, { address: 'a@x.com' }, { address: null }],
        }),
      ),
    ).toEqual({
      externalId: `${MAILBOX}:AAMkAc1=`,
      displayName: 'Ada Lovelace',
      firstName: 'Ada',
      lastName: 'Lovelace',
      company: null,
      jobTitle: 'Engineer',
      businessPhones: ['+1 555'],
      homePhones: [],
      mobilePhone: '+44 7700 900',
      emailAddresses: ['a@x.com'],
    });
  });

  it('makes up a display name from the names, the company or an address when Outlook has none', () => {
    expect(toPbxContact(MAILBOX, contact({ displayName: null })).displayName).toBe('Ada Lovelace');
    expect(
      toPbxContact(MAILBOX, contact({ displayName: '', givenName: null, surname: null })).displayName,
    ).toBe('Analytical Engines');
    expect(
      toPbxContact(MAILBOX, contact({ displayName: null, givenName: null, surname: null, companyName: null }))
        .displayName,
    ).toBe('ada@example.com');
  });

  it('plans upserts and deletes from a delta page; the last occurrence of a contact wins', () => {
    const entries = [
      toOutlookContactEntry({ id: 'A', displayName: 'First' }),
      toOutlookContactEntry({ id: 'B', '@removed': { reason: 'deleted' } }),
      toOutlookContactEntry({ id: 'A', displayName: 'Second' }),
      toOutlookContactEntry({ id: 'C', displayName: 'Gone soon' }),
      toOutlookContactEntry({ id: 'C', '@removed': { reason: 'deleted' } }),
    ];
    const plan = planFolderPage(MAILBOX, entries);
    expect(plan.upserts.map((c) => [c.externalId, c.displayName])).toEqual([[`${MAILBOX}:A`, 'Second']]);
    expect(plan.deletes).toEqual([`${MAILBOX}:B`, `${MAILBOX}:C`]);
    expect(plan.presentIds).toEqual(['A']);
    expect(plan.goneIds).toEqual(['B', 'C']);
  });

  it('plans nothing for an idle page', () => {
    expect(planFolderPage(MAILBOX, [])).toEqual({ upserts: [], deletes: [], presentIds: [], goneIds: [] });
  });

  it('notices folders added and removed', () => {
    expect(planFolders(['default', 'f1', 'f3'], ['default', 'f1', 'f2'])).toEqual({
      added: ['f3'],
      removed: ['f2'],
    });
  });

  it('applies the include/exclude selection and the department filter', () => {
    const user = { objectId: 'ID-1', userPrincipalName: 'Ada@Contoso.com', department: 'Sales ' };
    const scope = (mode: SelectionMode, selected: string[], departments: string[] = []) => ({
      selectionMode: mode,
      selectedUsers: new Set(selected),
      departments: new Set(departments),
    });
    expect(evaluateContactScope(user, scope(SelectionMode.All, []))).toEqual({ inScope: true });
    expect(evaluateContactScope(user, scope(SelectionMode.Include, ['ada@contoso.com']))).toEqual({
      inScope: true,
    });
    expect(evaluateContactScope(user, scope(SelectionMode.Include, ['id-1']))).toEqual({ inScope: true });
    expect(evaluateContactScope(user, scope(SelectionMode.Include, ['bob@contoso.com']))).toEqual({
      inScope: false,
      reason: 'not-selected',
    });
    expect(evaluateContactScope(user, scope(SelectionMode.Exclude, ['ada@contoso.com']))).toEqual({
      inScope: false,
      reason: 'excluded',
    });
    expect(evaluateContactScope(user, scope(SelectionMode.All, [], ['sales']))).toEqual({ inScope: true });
    expect(evaluateContactScope(user, scope(SelectionMode.All, [], ['support']))).toEqual({
      inScope: false,
      reason: 'department',
    });
  });

  it('removes mailboxes no longer synced, except those whose lookup failed this time', () => {
    expect(
      planRemovedMailboxes(
        new Set(['user:1|m1']),
        ['user:1|m1', 'user:2|m2', 'company|s1'],
        new Set(['company|s1']),
      ),
    ).toEqual(['user:2|m2']);
  });
});
