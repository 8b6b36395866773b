import { readJpegSize } from './jpeg.generator';
import { M365Emulator } from '../m365.emulator';
import { EmulatorFixture } from '../testing/emulator.fixture';

type Row = Record<string, unknown>;

describe('deterministic directory seeding', () => {
  it('is reproducible for the same seed', async () => {
    const [a, b] = await Promise.all([M365Emulator.start(), M365Emulator.start()]);
    try {
      const options = {
        users: 50,
        departments: 3,
        guests: 0.2,
        disabled: 0.1,
        withoutNames: 0.1,
        photos: 0.5,
        seed: 5,
      };
      const first = await a.control.seed(options);
      const second = await b.control.seed(options);
      expect(second.tenantId).toBe(first.tenantId);
      expect(second.clientId).toBe(first.clientId);
      const snapshot = (emulator: M365Emulator) =>
        emulator.control
          .tenant(first.tenantId)
          .users.all()
          .map((user) => [user.id, user.fields, user.photo?.etag]);
      expect(snapshot(b)).toEqual(snapshot(a));
      const users = a.control.tenant(first.tenantId).users.all();
      expect(
        users.some(
          (user) => user.fields.userType === 'Guest' && user.fields.userPrincipalName.includes('#EXT#'),
        ),
      ).toBe(true);
      expect(users.some((user) => !user.fields.accountEnabled)).toBe(true);
      expect(users.some((user) => user.fields.givenName === null && user.fields.surname === null)).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('seeds 100,000 users in a few seconds and pages through them', async () => {
    const fixture = await EmulatorFixture.start({ seed: { users: 0 } });
    try {
      const started = Date.now();
      const result = await fixture.emulator.control.seed({
        tenantId: fixture.tenantId,
        users: 100_000,
        departments: 10,
        groupDepth: 2,
        photos: 0.3,
        guests: 0.02,
        seed: 100,
        app: false,
      });
      const elapsed = Date.now() - started;
      const heapMb = Math.round(process.memoryUsage().heapUsed / 1_048_576);
      process.stdout.write(
        `seeded ${result.userCount} users / ${result.groupCount} groups in ${elapsed} ms (heap ${heapMb} MB)\n`,
      );
      expect(result.userCount).toBe(100_000);
      expect(elapsed).toBeLessThan(20_000);

      const token = await fixture.token();
      let link: string | undefined = '/users?$top=999&$select=id,displayName,department';
      const seen = new Set<unknown>();
      for (let page = 0; page < 3 && link; page++) {
        const response = await fixture.graph(link, { token });
        expect(response.status).toBe(200);
        for (const user of response.json['value'] as Row[]) seen.add(user['id']);
        link = response.json['@odata.nextLink'] as string | undefined;
      }
      expect(seen.size).toBe(2997);
      const filtered = await fixture.graph(
        "/users?$filter=department eq 'Research'&$top=5&$select=id,department",
        { token },
      );
      expect((filtered.json['value'] as Row[]).length).toBe(5);
      const photoUser =
        fixture.emulator.control
          .tenant(fixture.tenantId)
          .users.all()
          .find((user) => user.photo)?.id ?? '';
      const photo = await fixture.graph(`/users/${photoUser}/photo/$value`, { token });
      expect(photo.bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    } finally {
      await fixture.close();
    }
    // The seed itself may take up to 20 s (asserted above) on a busy CI machine; Jest's default 5 s is less.
  }, 30_000);

  it('renders seeded photos as large as asked (photoBytes), still valid JPEGs, each its own and stable', async () => {
    const fixture = await EmulatorFixture.start({ seed: { users: 0 } });
    try {
      await fixture.emulator.control.seed({
        tenantId: fixture.tenantId,
        users: 3,
        photos: true,
        photoBytes: 70_000,
        seed: 5,
        app: false,
      });
      const token = await fixture.token();
      const ids = fixture.emulator.control
        .tenant(fixture.tenantId)
        .users.all()
        .map((user) => user.id);
      const photos = [];
      for (const id of ids) {
        const photo = await fixture.graph(`/users/${id}/photo/$value`, { token });
        expect(photo.status).toBe(200);
        // At least as large as asked, at most a segment header (3 bytes) more; two filler segments at 70,000.
        expect(photo.bytes.length).toBeGreaterThanOrEqual(70_000);
        expect(photo.bytes.length).toBeLessThan(70_004);
        expect(readJpegSize(photo.bytes)).toBeDefined();
        expect(photo.bytes.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
        photos.push(photo.bytes);
      }
      expect(new Set(photos.map((bytes) => bytes.toString('base64'))).size).toBe(ids.length);
      const again = await fixture.graph(`/users/${ids[0] ?? ''}/photo/$value`, { token });
      expect(again.bytes.equals(photos[0] ?? Buffer.alloc(0))).toBe(true);
    } finally {
      await fixture.close();
    }
  });

  it('plans 1,000 mailboxes x 200 contacts lazily and generates the same content on first use', async () => {
    const [a, b] = await Promise.all([M365Emulator.start(), M365Emulator.start()]);
    try {
      const options = {
        users: 1_000,
        contactsPerUser: 200,
        eventsPerUser: 4,
        sharedMailboxes: 3,
        seed: 9,
        withoutNames: 0.01,
      };
      const started = Date.now();
      const seeded = await a.control.seed(options);
      await b.control.seed(options);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(seeded.sharedMailboxUserPrincipalNames).toHaveLength(3);
      const tenant = a.control.tenant(seeded.tenantId);
      expect(tenant.mailboxes.materialisedCount).toBe(0);
      const shared = seeded.sharedMailboxUserPrincipalNames[0] ?? '';
      const mailbox = a.control.getMailbox({ tenant: seeded.tenantId, user: shared });
      expect(mailbox).toMatchObject({
        hasMailbox: true,
        userPurpose: 'shared',
        contactCount: 200,
        eventCount: 4,
      });
      expect(mailbox.folders.map((folder) => folder.displayName)).toEqual([
        'Contacts',
        'Customers',
        'Key Accounts',
        'Archive',
        'Suppliers',
        'Family',
      ]);
      expect(tenant.mailboxes.materialisedCount).toBe(1);
      expect(b.control.getMailbox({ tenant: seeded.tenantId, user: shared })).toEqual(mailbox);
      const room = tenant.users.all().find((user) => user.fields.userPrincipalName.startsWith('room'));
      if (room) expect(tenant.mailboxes.purposeOf(room.id)).toBe('room');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
