import { DEFAULT_SEED_PERMISSIONS } from '../../seed/directory.seeder';
import { EmulatorFixture } from '../../testing/emulator.fixture';

type Row = Record<string, unknown>;

describe('Outlook contacts, contact folders and per-folder contacts/delta', () => {
  let fixture: EmulatorFixture;
  let token: string;
  let upn: string;

  beforeAll(async () => {
    fixture = await EmulatorFixture.start({
      seed: {
        users: 20,
        contactsPerUser: 25,
        sharedMailboxes: 1,
        app: { permissions: [...DEFAULT_SEED_PERMISSIONS, 'Contacts.Read'] },
      },
    });
    token = await fixture.token();
    upn = fixture.seeded.sampleUserPrincipalNames[0] ?? '';
  });

  afterAll(async () => {
    await fixture.close();
  });

  const graph = (path: string, headers: Record<string, string> = {}) =>
    fixture.graph(path, { token, headers });
  const folderNamed = async (name: string, parentPath = `/users/${upn}/contactFolders`): Promise<Row> => {
    const list = await graph(parentPath);
    const folder = (list.json['value'] as Row[]).find((candidate) => candidate['displayName'] === name);
    if (!folder) throw new Error(`no folder ${name}`);
    return folder;
  };
  const control = () => fixture.emulator.control;

  it('materialises a seeded mailbox only when it is first read', async () => {
    const mailboxes = control().tenant(fixture.tenantId).mailboxes;
    expect(mailboxes.materialisedCount).toBe(0);
    const first = await graph(`/users/${upn}/contactFolders`);
    expect(first.status).toBe(200);
    expect(mailboxes.materialisedCount).toBe(1);
  });

  it('lists top-level folders, nested childFolders at any depth, and pages with $top/$skip', async () => {
    const top = await graph(`/users/${upn}/contactFolders`);
    expect((top.json['value'] as Row[]).map((folder) => folder['displayName'])).toEqual([
      'Customers',
      'Suppliers',
      'Family',
    ]);
    const customers = await folderNamed('Customers');
    const keyAccounts = await folderNamed(
      'Key Accounts',
      `/users/${upn}/contactFolders/${String(customers['id'])}/childFolders`,
    );
    expect(keyAccounts['parentFolderId']).toBe(customers['id']);
    const archive = await folderNamed(
      'Archive',
      `/users/${upn}/contactFolders/${encodeURIComponent(String(keyAccounts['id']))}/childFolders`,
    );
    expect(archive['parentFolderId']).toBe(keyAccounts['id']);
    const single = await graph(`/users/${upn}/contactFolders/${String(archive['id'])}`);
    expect(single.json).toMatchObject({ displayName: 'Archive', id: archive['id'] });

    const paged = await graph(`/users/${upn}/contactFolders?$top=2`);
    expect(paged.json['value']).toHaveLength(2);
    const next = String(paged.json['@odata.nextLink']);
    expect(next).toContain('$skip=2');
    const rest = await graph(next);
    expect((rest.json['value'] as Row[]).map((folder) => folder['displayName'])).toEqual(['Family']);
    expect(rest.json['@odata.nextLink']).toBeUndefined();
  });

  it('serves the default folder at /contacts with Outlook paging and the contact shape', async () => {
    const all: Row[] = [];
    let link: string | undefined = `/users/${upn}/contacts?$top=3`;
    while (link) {
      const page = await graph(link);
      expect(page.status).toBe(200);
      all.push(...(page.json['value'] as Row[]));
      link = page.json['@odata.nextLink'] as string | undefined;
    }
    expect(all).toHaveLength(11);
    const contact = all[0] ?? {};
    expect(contact).toMatchObject({
      '@odata.etag': expect.stringMatching(/^W\/"/),
      id: expect.stringMatching(/^AAMkA/),
      displayName: expect.any(String),
      givenName: expect.any(String),
      surname: expect.any(String),
      businessPhones: expect.any(Array),
      homePhones: expect.any(Array),
      emailAddresses: [{ name: expect.any(String), address: expect.stringContaining('@') }],
      changeKey: expect.any(String),
      lastModifiedDateTime: expect.any(String),
    });
    const defaultPage = await graph(`/users/${upn}/contacts`);
    expect(defaultPage.json['value']).toHaveLength(10);
    expect(defaultPage.json['@odata.nextLink']).toContain('$skip=10');
    const single = await graph(
      `/users/${upn}/contacts/${String(contact['id'])}?$select=displayName,mobilePhone`,
    );
    expect(Object.keys(single.json).sort()).toEqual([
      '@odata.context',
      '@odata.etag',
      'displayName',
      'id',
      'mobilePhone',
    ]);
    expect(single.json['parentFolderId']).toBeUndefined();

    const missing = await graph(`/users/${upn}/contacts/AAMkAnotThereAtAllxxxxxxxxxxxxxxxxxxxAAA=`);
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ error: { code: 'ErrorItemNotFound' } });
    expect((await graph(`/users/${upn}/contacts/not-an-outlook-id`)).json).toMatchObject({
      error: { code: 'ErrorInvalidIdMalformed' },
    });
    expect((await graph(`/users/${upn}/contacts?$select=shoeSize`)).status).toBe(400);
    expect((await graph(`/users/nobody@contoso.onmicrosoft.com/contacts`)).json).toMatchObject({
      error: { code: 'ErrorInvalidUser' },
    });
  });

  it('needs Contacts.Read and answers Exchange ErrorAccessDenied without it', async () => {
    control().revokePermissions({
      tenant: fixture.tenantId,
      clientId: fixture.clientId,
      permissions: ['Contacts.Read'],
    });
    const withoutPermission = await fixture.token();
    control().grantPermissions({
      tenant: fixture.tenantId,
      clientId: fixture.clientId,
      permissions: ['Contacts.Read'],
    });
    const denied = await fixture.graph(`/users/${upn}/contacts`, { token: withoutPermission });
    expect(denied.status).toBe(403);
    expect(denied.json).toMatchObject({
      error: { code: 'ErrorAccessDenied', message: 'Access is denied. Check credentials and try again.' },
    });
  });

  it('tracks changes per folder with nextLink/deltaLink, @removed and odata.maxpagesize', async () => {
    const customers = await folderNamed('Customers');
    const suppliers = await folderNamed('Suppliers');
    const customersId = String(customers['id']);
    const suppliersId = String(suppliers['id']);
    const prefer = { Prefer: 'odata.maxpagesize=2' };

    const initialIds: string[] = [];
    let link: string = `/users/${upn}/contactFolders/${customersId}/contacts/delta?$select=displayName,emailAddresses`;
    let deltaLink: string | undefined;
    let pages = 0;
    while (!deltaLink) {
      const page = await graph(link, prefer);
      expect(page.status).toBe(200);
      expect(page.headers.get('preference-applied')).toBe('odata.maxpagesize=2');
      pages += 1;
      for (const item of page.json['value'] as Row[]) {
        expect(Object.keys(item).sort()).toEqual([
          '@odata.etag',
          '@odata.type',
          'displayName',
          'emailAddresses',
          'id',
        ]);
        initialIds.push(String(item['id']));
      }
      deltaLink = page.json['@odata.deltaLink'] as string | undefined;
      link = (page.json['@odata.nextLink'] as string | undefined) ?? '';
    }
    expect(initialIds).toHaveLength(5);
    expect(pages).toBe(3);
    const suppliersRound = await graph(`/users/${upn}/contactFolders/${suppliersId}/contacts/delta`);
    expect(suppliersRound.json['value']).toHaveLength(2);
    const suppliersLink = String(suppliersRound.json['@odata.deltaLink']);

    const unchanged = await graph(deltaLink);
    expect(unchanged.json['value']).toEqual([]);
    deltaLink = String(unchanged.json['@odata.deltaLink']);

    const tenant = fixture.tenantId;
    const added = control().addContact({
      tenant,
      user: upn,
      folderId: customersId,
      contact: { givenName: 'Nina', surname: 'Neu', emailAddresses: ['nina.neu@example.com'] },
    });
    control().updateContact({
      tenant,
      user: upn,
      contactId: initialIds[0] ?? '',
      changes: { jobTitle: 'CTO' },
    });
    control().updateContact({
      tenant,
      user: upn,
      contactId: initialIds[0] ?? '',
      changes: { displayName: 'Renamed' },
    });
    control().deleteContact({ tenant, user: upn, contactId: initialIds[1] ?? '' });

    const changes = await graph(deltaLink);
    const value = changes.json['value'] as Row[];
    expect(value).toHaveLength(3);
    expect(value).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: added.id, displayName: 'Nina Neu' }),
        expect.objectContaining({ id: initialIds[0], displayName: 'Renamed' }),
        { '@odata.type': '#microsoft.graph.contact', id: initialIds[1], '@removed': { reason: 'deleted' } },
      ]),
    );
    // Another folder's delta is independent.
    const suppliersChanges = await graph(suppliersLink);
    expect(suppliersChanges.json['value']).toEqual([]);

    // The default folder has its own delta at /contacts/delta.
    const defaultRound = await graph(`/users/${upn}/contacts/delta`);
    expect(defaultRound.json['value']).toHaveLength(11);
    expect(defaultRound.headers.get('preference-applied')).toBeNull();
  });

  it('expires Outlook delta tokens with 410 SyncStateNotFound when expireDeltaTokens is used', async () => {
    const round = await graph(`/users/${upn}/contacts/delta`);
    const deltaLink = String(round.json['@odata.deltaLink']);
    control().expireDeltaTokens({ tenant: fixture.tenantId });
    const expired = await graph(deltaLink);
    expect(expired.status).toBe(410);
    expect(expired.json).toMatchObject({ error: { code: 'SyncStateNotFound' } });
    const garbage = await graph(`/users/${upn}/contacts/delta?$deltatoken=garbage`);
    expect(garbage.status).toBe(400);
  });

  it('deletes a folder with its child folders and contacts', async () => {
    const other = fixture.seeded.sampleUserPrincipalNames[1] ?? '';
    const mailbox = control().getMailbox({ tenant: fixture.tenantId, user: other });
    const keyAccounts = mailbox.folders.find((folder) => folder.displayName === 'Key Accounts');
    const archive = mailbox.folders.find((folder) => folder.displayName === 'Archive');
    const result = control().deleteContactFolder({
      tenant: fixture.tenantId,
      user: other,
      folderId: keyAccounts?.id ?? '',
    });
    expect(result.contactsRemoved).toBe((keyAccounts?.contactCount ?? 0) + (archive?.contactCount ?? 0));
    expect((await graph(`/users/${other}/contactFolders/${archive?.id ?? ''}`)).status).toBe(404);
    const renamed = control().renameContactFolder({
      tenant: fixture.tenantId,
      user: other,
      folderId: mailbox.folders.find((folder) => folder.displayName === 'Family')?.id ?? '',
      displayName: 'Friends',
    });
    expect((await graph(`/users/${other}/contactFolders/${renamed.id}`)).json['displayName']).toBe('Friends');
  });

  it('serves shared mailboxes and works inside $batch', async () => {
    const shared = fixture.seeded.sharedMailboxUserPrincipalNames[0] ?? '';
    const batch = await fixture.graph('/$batch', {
      token,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        requests: [
          { id: '1', method: 'GET', url: `/users/${shared}/contacts?$top=2` },
          { id: '2', method: 'GET', url: `/users/${upn}/contactFolders` },
        ],
      }),
    });
    const responses = batch.json['responses'] as Row[];
    expect(responses.map((item) => item['status'])).toEqual([200, 200]);
    expect(((responses[0]?.['body'] as Row)['value'] as Row[]).length).toBe(2);
  });
});
