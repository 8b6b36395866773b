import { DEFAULT_SEED_PERMISSIONS } from '../../seed/directory.seeder';
import { EmulatorFixture } from '../../testing/emulator.fixture';

type Row = Record<string, unknown>;

describe('Outlook contactFolders/delta', () => {
  let fixture: EmulatorFixture;
  let token: string;

  beforeAll(async () => {
    fixture = await EmulatorFixture.start({
      seed: {
        users: 6,
        contactsPerUser: 10,
        app: { permissions: [...DEFAULT_SEED_PERMISSIONS, 'Contacts.Read'] },
      },
    });
    token = await fixture.token();
  });

  afterAll(async () => {
    await fixture.close();
  });

  const graph = (path: string, headers: Record<string, string> = {}, as = token) =>
    fixture.graph(path, { token: as, headers });
  const control = () => fixture.emulator.control;
  const upn = (index: number): string => fixture.seeded.sampleUserPrincipalNames[index] ?? '';

  /** One whole round: every page's entries and the round's deltaLink. */
  async function round(first: string, headers: Record<string, string> = {}) {
    const entries: Row[] = [];
    let link: string = first;
    let pages = 0;
    for (;;) {
      const page = await graph(link, headers);
      expect(page.status).toBe(200);
      pages += 1;
      entries.push(...(page.json['value'] as Row[]));
      const deltaLink = page.json['@odata.deltaLink'] as string | undefined;
      if (deltaLink) {
        expect(page.json['@odata.nextLink']).toBeUndefined();
        return { entries, deltaLink, pages };
      }
      const next = page.json['@odata.nextLink'];
      expect(typeof next).toBe('string');
      link = String(next);
    }
  }

  it('returns every folder below the default folder at any depth, flat, with parentFolderId and paging', async () => {
    const user = upn(0);
    const mailbox = control().getMailbox({ tenant: fixture.tenantId, user });
    const byName = new Map(mailbox.folders.map((folder) => [folder.displayName, folder.id]));
    const first = await round(`/users/${user}/contactFolders/delta`, { Prefer: 'odata.maxpagesize=2' });
    expect(first.pages).toBe(3);
    expect(first.entries.map((entry) => entry['displayName'])).toEqual([
      'Customers',
      'Key Accounts',
      'Archive',
      'Suppliers',
      'Family',
    ]);
    // Not the default folder itself: /contactFolders does not list it either.
    expect(first.entries.map((entry) => entry['id'])).not.toContain(byName.get('Contacts'));
    expect(first.entries.find((entry) => entry['displayName'] === 'Archive')).toEqual({
      '@odata.type': '#microsoft.graph.contactFolder',
      id: byName.get('Archive'),
      displayName: 'Archive',
      parentFolderId: byName.get('Key Accounts'),
    });
    expect(first.deltaLink).toMatch(/\/contactFolders\/delta\?\$deltatoken=/);

    // Nothing changed, also not when a contact changes: no entries and the same deltaLink.
    control().addContact({ tenant: fixture.tenantId, user, contact: { displayName: 'Not a folder change' } });
    const idle = await round(first.deltaLink);
    expect(idle.entries).toEqual([]);
    expect(idle.deltaLink).toBe(first.deltaLink);
  });

  it('reports folders added (at any depth), renamed and deleted (with their sub-folders) as @removed', async () => {
    const user = upn(1);
    const tenant = fixture.tenantId;
    const mailbox = control().getMailbox({ tenant, user });
    const id = (name: string) => mailbox.folders.find((folder) => folder.displayName === name)?.id ?? '';
    const { deltaLink } = await round(`/users/${user}/contactFolders/delta?$select=displayName`);

    const partners = control().addContactFolder({
      tenant,
      user,
      displayName: 'Partners',
      parentFolderId: id('Suppliers'),
    });
    const nested = control().addContactFolder({
      tenant,
      user,
      displayName: 'EU',
      parentFolderId: partners.id,
    });
    control().renameContactFolder({ tenant, user, folderId: id('Family'), displayName: 'Friends' });
    // Created and deleted within the round: only its removal is reported.
    const brief = control().addContactFolder({
      tenant,
      user,
      displayName: 'Brief',
      parentFolderId: id('Archive'),
    });
    control().deleteContactFolder({ tenant, user, folderId: id('Customers') });
    const changes = await round(deltaLink);
    const folder = '#microsoft.graph.contactFolder';
    // $select of the first request holds for the whole round and the next ones: no parentFolderId.
    expect(changes.entries).toEqual([
      { '@odata.type': folder, id: partners.id, displayName: 'Partners' },
      { '@odata.type': folder, id: nested.id, displayName: 'EU' },
      { '@odata.type': folder, id: id('Family'), displayName: 'Friends' },
      ...[brief.id, id('Archive'), id('Key Accounts'), id('Customers')].map((removed) => ({
        '@odata.type': folder,
        id: removed,
        '@removed': { reason: 'deleted' },
      })),
    ]);
    expect((await round(changes.deltaLink)).entries).toEqual([]);
  });

  it('expires with 410 SyncStateNotFound, refuses tokens of another mailbox or of contacts/delta', async () => {
    const first = await round(`/users/${upn(2)}/contactFolders/delta`);
    const otherMailbox = await graph(
      `/users/${upn(3)}/contactFolders/delta?${first.deltaLink.slice(first.deltaLink.indexOf('$deltatoken'))}`,
    );
    expect(otherMailbox.status).toBe(400);
    expect(otherMailbox.json).toMatchObject({ error: { code: 'ErrorInvalidSyncStateData' } });
    const contactsRound = await graph(`/users/${upn(2)}/contacts/delta`);
    const contactsToken = String(contactsRound.json['@odata.deltaLink']).split('$deltatoken=')[1] ?? '';
    const mixed = await graph(`/users/${upn(2)}/contactFolders/delta?$deltatoken=${contactsToken}`);
    expect(mixed.status).toBe(400);

    control().expireDeltaTokens({ tenant: fixture.tenantId });
    const expired = await graph(first.deltaLink);
    expect(expired.status).toBe(410);
    expect(expired.json).toMatchObject({ error: { code: 'SyncStateNotFound' } });
  });

  it('needs Contacts.Read, and is refused in the China cloud operated by 21Vianet', async () => {
    const china = await fixture.requestToken({ scope: 'https://microsoftgraph.chinacloudapi.cn/.default' });
    expect(china.status).toBe(200);
    const chinaToken = String(china.json['access_token']);
    const refused = await graph(`/users/${upn(4)}/contactFolders/delta`, {}, chinaToken);
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ error: { code: 'BadRequest' } });
    // The folder listing is offered there: the module's path without folder delta.
    expect((await graph(`/users/${upn(4)}/contactFolders`, {}, chinaToken)).status).toBe(200);

    const grant = { tenant: fixture.tenantId, clientId: fixture.clientId, permissions: ['Contacts.Read'] };
    control().revokePermissions(grant);
    const withoutPermission = await fixture.token();
    control().grantPermissions(grant);
    const denied = await graph(`/users/${upn(4)}/contactFolders/delta`, {}, withoutPermission);
    expect(denied.status).toBe(403);
    expect(denied.json).toMatchObject({ error: { code: 'ErrorAccessDenied' } });
  });
});
