import { aUser } from '../../testing/microsoft365-user.fixture';
import { planPhoneWriteBack, validatePhoneTemplate, withoutOwnPhone } from './business-phone-write-back';

describe('validatePhoneTemplate', () => {
  it.each<[string, string | null]>([
    ['+1 425 555 0100 x{extension}', null],
    ['+1 425 555 0100 ext. {extension}', null],
    ['+49 (30) 1234-{extension}', null],
    ['{extension}', null],
    ['', 'must be 1 to 64 characters'],
    ['+1 '.repeat(22) + '{extension}', 'must be 1 to 64 characters'],
    ['+1 425 555 0100', 'must contain {extension} exactly once'],
    ['{extension} x{extension}', 'must contain {extension} exactly once'],
    ['{did} x{extension}', "may not use {did}: the PBX's directory port does not provide the users' DIDs"],
    ['{name} x{extension}', 'may use no placeholder but {extension}'],
    ['call me x{extension}', 'may hold only digits, +, spaces, ( ) - . / and an x or ext before {extension}'],
    ['+1 x{extension} ext', 'may hold only digits, +, spaces, ( ) - . / and an x or ext before {extension}'],
  ])('%j → %s', (template, expected) => {
    expect(validatePhoneTemplate(template)).toBe(expected);
  });

  it.each<[string, string | null]>([
    ['{did}', null],
    ['{did} x{extension}', null],
    ['+1 425 555 0100 x{extension}', null],
    ['({did})', null],
    ['{did} {did}', 'must contain {did} at most once'],
    ['+1 425 555 0100', 'must contain {extension} or {did}, each at most once'],
    ['{did} x{name}', 'may use no placeholder but {extension} and {did}'],
    ['call {did}', 'may hold only digits, +, spaces and ( ) - . / around {did}'],
  ])('with DIDs from the PBX: %j → %s', (template, expected) => {
    expect(validatePhoneTemplate(template, true)).toBe(expected);
  });
});

describe('planPhoneWriteBack', () => {
  const template = '+1 425 555 0100 x{extension}';
  const ours = '+1 425 555 0100 x1234';
  it.each<[string, string[], string | null, string | null, ReturnType<typeof planPhoneWriteBack>]>([
    ['empty field: write', [], '1234', null, { write: ours }],
    [
      'our old value (extension changed): write',
      ['+1 425 555 0100 x1000'],
      '1234',
      '+1 425 555 0100 x1000',
      { write: ours },
    ],
    ['our value came back through delta: nothing', [ours], '1234', ours, null],
    ['admin typed the same value: remember it', [ours], '1234', null, { remember: ours }],
    ['admin typed another number: never overwritten', ['+1 555 0199'], '1234', null, { skip: 'admin-typed' }],
    ['admin replaced our value: never overwritten', ['+1 555 0199'], '1234', ours, { skip: 'admin-typed' }],
    ['no extension: nothing', [], null, null, null],
  ])('%s', (_, phones, extension, written, expected) => {
    expect(planPhoneWriteBack(phones, extension, template, written)).toEqual(expected);
  });

  it('fills {did}, and skips a user the PBX has no DID for', () => {
    expect(planPhoneWriteBack([], '1234', '{did} x{extension}', null, '+1 425 555 0142')).toEqual({
      write: '+1 425 555 0142 x1234',
    });
    expect(planPhoneWriteBack([], '1234', '{did}', null, null)).toEqual({ skip: 'no-did' });
  });
});

describe('withoutOwnPhone', () => {
  it('hides exactly the value we wrote from the profile mapper, nothing else', () => {
    const ours = '+1 425 555 0100 x1234';
    expect(withoutOwnPhone(aUser({ businessPhones: [ours] }), ours).businessPhones).toEqual([]);
    expect(withoutOwnPhone(aUser({ businessPhones: ['+1 555 0199'] }), ours).businessPhones).toEqual([
      '+1 555 0199',
    ]);
    expect(withoutOwnPhone(aUser({ businessPhones: [ours] }), null).businessPhones).toEqual([ours]);
  });
});
