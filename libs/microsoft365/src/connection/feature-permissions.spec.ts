import { checkFeaturePermissions } from './feature-permissions';
import { DEFAULT_FEATURE_SWITCHES } from '../settings/feature-switches';

describe('checkFeaturePermissions', () => {
  const all = { ...DEFAULT_FEATURE_SWITCHES, photos: true, sharedMailboxes: true, mail: true };
  const byFeature = (granted: string[]) =>
    Object.fromEntries(
      checkFeaturePermissions(all, granted).map((check) => [check.feature, check.missingPermissions]),
    );

  it.each([
    [['User.Read.All'], 'userSync', []],
    [['Directory.Read.All'], 'userSync', []],
    [[], 'userSync', ['User.Read.All']],
    [['User.Read.All'], 'photos', []],
    [['ProfilePhoto.Read.All'], 'photos', []],
    [['Contacts.Read'], 'sharedMailboxes', ['MailboxSettings.Read']],
    [['Contacts.Read', 'MailboxSettings.Read'], 'sharedMailboxes', []],
    [['Mail.Send'], 'mail', []],
    [[], 'mail', ['Mail.Send']],
    [['mail.send', 'MAIL.READWRITE'], 'mail', []],
    [[], 'singleSignOn', []],
    [[], 'groupSync', ['GroupMember.Read.All']],
    [['GroupMember.Read.All'], 'groupSync', []],
    [['Directory.Read.All'], 'groupSync', []],
  ])('granted %j: %s misses %j', (granted, feature, missing) => {
    expect(byFeature(granted)[feature]).toEqual(missing);
  });

  it('warns, without failing the feature, when only an optional permission is missing', () => {
    const mail = (granted: string[]) =>
      checkFeaturePermissions(all, granted).find((c) => c.feature === 'mail');
    expect(mail(['Mail.Send'])).toMatchObject({
      ok: true,
      warnings: [expect.stringMatching(/Mail.ReadWrite/)],
    });
    expect(mail(['Mail.Send', 'Mail.ReadWrite'])).toMatchObject({ ok: true, warnings: [] });
  });

  it('should report whether each feature is switched on', () => {
    const checks = checkFeaturePermissions({ ...DEFAULT_FEATURE_SWITCHES, userSync: true, mail: false }, []);
    expect(checks.find((c) => c.feature === 'userSync')?.enabled).toBe(true);
    expect(checks.find((c) => c.feature === 'mail')?.enabled).toBe(false);
  });
});
