import { extensionCandidates, validateExtensionRange } from './extension-range';

describe('extensionCandidates', () => {
  it('should walk the range in windows and stop at its end', () => {
    expect([...extensionCandidates({ start: '100', end: '104' }, 2)]).toEqual([
      ['100', '101'],
      ['102', '103'],
      ['104'],
    ]);
  });

  it('should default the end to the largest number of the same length', () => {
    const windows = [...extensionCandidates({ start: '995', end: null }, 10)];
    expect(windows).toEqual([['995', '996', '997', '998', '999']]);
  });

  it('should handle 13-digit numbers exactly', () => {
    const [first] = extensionCandidates({ start: '9999999999998', end: null }, 5);
    expect(first).toEqual(['9999999999998', '9999999999999']);
  });
});

describe('validateExtensionRange', () => {
  it.each([
    [{ start: '100', end: null }, null],
    [{ start: '1000', end: '1999' }, null],
    [{ start: '0100', end: null }, 'extensionStart must be 3 to 13 digits without a leading zero'],
    [{ start: '12', end: null }, 'extensionStart must be 3 to 13 digits without a leading zero'],
    [{ start: '12345678901234', end: null }, 'extensionStart must be 3 to 13 digits without a leading zero'],
    [{ start: '2000', end: '1999' }, 'extensionEnd must not be below extensionStart'],
    [{ start: '2000', end: 'abc' }, 'extensionEnd must be 3 to 13 digits without a leading zero'],
  ])('%j → %s', (range, message) => {
    expect(validateExtensionRange(range)).toBe(message);
  });
});
