import { type EntityManager } from '@mikro-orm/postgresql';
import { executeBound } from '../common/bound-statement';
import { type PbxContact, type PbxContactOwner, type PbxContactsPort } from '../ports/pbx-contacts.port';
import { type FolderPageInput } from './contact-folder-pages.statements';
import { ContactSyncApplier } from './contact-sync.applier';

jest.mock('../common/bound-statement', () => ({ executeBound: jest.fn().mockResolvedValue([]) }));

const contact = (id: string, displayName: string): PbxContact => ({
  externalId: `m1:${id}`,
  displayName,
  firstName: null,
  lastName: null,
  company: null,
  jobTitle: null,
  businessPhones: [],
  homePhones: [],
  mobilePhone: null,
  emailAddresses: [],
});

function page(folderId: string, upserts: PbxContact[], deleted: string[] = []): FolderPageInput {
  return {
    pbxTenantId: 't1',
    folder: {
      owner: 'user:u1',
      mailboxId: 'm1',
      folderId,
      path: `Contacts/${folderId}`,
      userPrincipalName: null,
    },
    plan: {
      upserts,
      deletes: deleted.map((id) => `m1:${id}`),
      presentIds: upserts.map((c) => c.externalId.slice(3)),
      goneIds: deleted,
    },
    cursor: { deltaLink: 'd', resumeLink: null, passId: 'p' },
    endsFullPass: false,
  };
}

describe('ContactSyncApplier.applyFolderPages', () => {
  const port = {
    upsertContacts: jest.fn<Promise<void>, [string, PbxContactOwner, PbxContact[]]>(),
    deleteContacts: jest.fn<Promise<void>, [string, PbxContactOwner, string[]]>(),
    listExternalIds: jest.fn<Promise<string[]>, [string, PbxContactOwner]>(),
  } satisfies PbxContactsPort;
  const applier = new ContactSyncApplier(port, { now: () => new Date('2026-12-06T00:00:00Z') });
  const em = {} as EntityManager;

  beforeEach(() => {
    jest.clearAllMocks();
    port.upsertContacts.mockResolvedValue(undefined);
    port.deleteContacts.mockResolvedValue(undefined);
  });

  it('hands the pages of several folders to the port in one call, a contact in two of them once (the later)', async () => {
    const counts = await applier.applyFolderPages(em, [
      page('a', [contact('1', 'One'), contact('2', 'Two (before the move)')]),
      page('b', [contact('2', 'Two'), contact('3', 'Three')]),
    ]);
    expect(port.upsertContacts).toHaveBeenCalledTimes(1);
    const [, owner, upserts] = port.upsertContacts.mock.calls[0] ?? [];
    expect(owner).toEqual({ kind: 'user', userId: 'u1' });
    expect(upserts?.map((c) => [c.externalId, c.displayName])).toEqual([
      ['m1:1', 'One'],
      ['m1:2', 'Two'],
      ['m1:3', 'Three'],
    ]);
    // One statement for the items and cursors of both pages; no deletes, no stale search.
    expect(executeBound).toHaveBeenCalledTimes(1);
    expect(counts).toEqual([
      { upserted: 2, deleted: 0 },
      { upserted: 2, deleted: 0 },
    ]);
  });

  it('applies pages one by one, in order, when one of them deletes', async () => {
    await applier.applyFolderPages(em, [page('a', [], ['2']), page('b', [contact('2', 'Two')])]);
    expect(port.upsertContacts.mock.calls.map(([, , upserts]) => upserts.length)).toEqual([0, 1]);
    expect(port.deleteContacts.mock.calls.map(([, , ids]) => ids)).toEqual([['m1:2'], []]);
  });
});
