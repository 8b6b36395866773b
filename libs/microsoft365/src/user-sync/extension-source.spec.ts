import { aUser } from '../../testing/microsoft365-user.fixture';
import { chooseExtension, type ExtensionSource, isExtensionSource, sourceValue } from './extension-source';

const range = { start: '1000', end: '1999' };

describe('sourceValue', () => {
  it.each<[string, ExtensionSource, Parameters<typeof aUser>[0], string | null]>([
    ['the allocator reads nothing', 'ALLOCATOR', { employeeId: '1234' }, null],
    ['employeeId', 'EMPLOYEE_ID', { employeeId: ' 1234 ' }, '1234'],
    ['an empty employeeId', 'EMPLOYEE_ID', { employeeId: '' }, null],
    ['a missing employeeId', 'EMPLOYEE_ID', { employeeId: null }, null],
    [
      'extensionAttribute7',
      'EXTENSION_ATTRIBUTE_7',
      { extensionAttributes: { extensionAttribute7: '1007' } },
      '1007',
    ],
    [
      'another attribute',
      'EXTENSION_ATTRIBUTE_1',
      { extensionAttributes: { extensionAttribute7: '1007' } },
      null,
    ],
    ['phone with x', 'BUSINESS_PHONE_EXTENSION', { businessPhones: ['+1 425 555 0100 x1234'] }, '1234'],
    [
      'phone with ext.',
      'BUSINESS_PHONE_EXTENSION',
      { businessPhones: ['+1 425 555 0100 ext. 1234'] },
      '1234',
    ],
    ['phone with EXT', 'BUSINESS_PHONE_EXTENSION', { businessPhones: ['+1 425 555 0100 EXT1234'] }, '1234'],
    ['phone with x glued', 'BUSINESS_PHONE_EXTENSION', { businessPhones: ['+14255550100x1234'] }, '1234'],
    [
      'only the first phone',
      'BUSINESS_PHONE_EXTENSION',
      { businessPhones: ['+1 555', '+1 555 x1234'] },
      null,
    ],
    ['phone without extension', 'BUSINESS_PHONE_EXTENSION', { businessPhones: ['+1 425 555 0100'] }, null],
    ['no phone', 'BUSINESS_PHONE_EXTENSION', { businessPhones: [] }, null],
    ['x inside a word', 'BUSINESS_PHONE_EXTENSION', { businessPhones: ['fax1234'] }, null],
  ])('%s', (_, source, overrides, expected) => {
    expect(sourceValue(aUser(overrides), source)).toBe(expected);
  });
});

describe('chooseExtension', () => {
  const user = (employeeId: string | null) => aUser({ employeeId });
  it.each<[string, string | null, ReadonlySet<string>, string | null, string | null]>([
    ['a valid free number', '1234', new Set(), '1234', null],
    ['empty: silent fall-back', null, new Set(), null, null],
    ['not digits', 'E1234', new Set(), null, 'EXTENSION_SOURCE_INVALID'],
    ['leading zero', '0123', new Set(), null, 'EXTENSION_SOURCE_INVALID'],
    ['too short', '12', new Set(), null, 'EXTENSION_SOURCE_INVALID'],
    ['below the range', '999', new Set(), null, 'EXTENSION_SOURCE_OUT_OF_RANGE'],
    ['above the range', '2000', new Set(), null, 'EXTENSION_SOURCE_OUT_OF_RANGE'],
    ['taken', '1234', new Set(['1234']), null, 'EXTENSION_SOURCE_TAKEN'],
  ])('%s', (_, value, unavailable, extension, code) => {
    const choice = chooseExtension(user(value), 'EMPLOYEE_ID', range, unavailable);
    expect(choice.extension).toBe(extension);
    expect('note' in choice ? (choice.note?.code ?? null) : null).toBe(code);
  });

  it('takes an open range up to the largest number with as many digits as its start', () => {
    expect(chooseExtension(user('9999'), 'EMPLOYEE_ID', { start: '1000', end: null }, new Set())).toEqual({
      extension: '9999',
    });
    expect(
      chooseExtension(user('10000'), 'EMPLOYEE_ID', { start: '1000', end: null }, new Set()),
    ).toMatchObject({
      extension: null,
      note: { code: 'EXTENSION_SOURCE_OUT_OF_RANGE' },
    });
  });
});

describe('isExtensionSource', () => {
  it.each([
    ['ALLOCATOR', true],
    ['EXTENSION_ATTRIBUTE_1', true],
    ['EXTENSION_ATTRIBUTE_15', true],
    ['EXTENSION_ATTRIBUTE_16', false],
    ['EXTENSION_ATTRIBUTE_0', false],
    ['employeeId', false],
    [7, false],
  ])('%s → %s', (value, expected) => {
    expect(isExtensionSource(value)).toBe(expected);
  });
});
