import { expiryWarningLevel, isMoreSevere } from './expiry-warning';
import { ExpiryWarningLevel } from './key-pair-status';

describe('expiryWarningLevel', () => {
  const notAfter = new Date('2027-01-31T00:00:00Z');
  const daysBefore = (days: number) => new Date(notAfter.getTime() - days * 24 * 3600 * 1000);

  it.each([
    [60, null],
    [31, null],
    [30, ExpiryWarningLevel.ThirtyDays],
    [8, ExpiryWarningLevel.ThirtyDays],
    [7, ExpiryWarningLevel.SevenDays],
    [0.5, ExpiryWarningLevel.SevenDays],
    [0, ExpiryWarningLevel.Expired],
    [-3, ExpiryWarningLevel.Expired],
  ])('%s days before expiry should be %s', (days, expected) => {
    expect(expiryWarningLevel(notAfter, daysBefore(days))).toBe(expected);
  });

  it('should order the levels by severity', () => {
    expect(isMoreSevere(ExpiryWarningLevel.ThirtyDays, null)).toBe(true);
    expect(isMoreSevere(ExpiryWarningLevel.SevenDays, ExpiryWarningLevel.ThirtyDays)).toBe(true);
    expect(isMoreSevere(ExpiryWarningLevel.ThirtyDays, ExpiryWarningLevel.SevenDays)).toBe(false);
    expect(isMoreSevere(ExpiryWarningLevel.Expired, ExpiryWarningLevel.Expired)).toBe(false);
  });
});
