import { isCronExpression, isTimeZone } from './schedule.validators';

describe('schedule validators', () => {
  it.each([
    ['0 0 * * *', true],
    ['*/15 8-18 * * 1-5', true],
    ['0 0 0 * * *', true],
    ['0 0 * *', false],
    ['61 0 * * *', false],
    ['every day', false],
    [42, false],
  ])('isCronExpression(%p) is %p', (value, expected) => {
    expect(isCronExpression(value)).toBe(expected);
  });

  it.each([
    ['UTC', true],
    ['Europe/Berlin', true],
    ['America/Argentina/Buenos_Aires', true],
    ['Mars/Olympus_Mons', false],
    ['', false],
  ])('isTimeZone(%p) is %p', (value, expected) => {
    expect(isTimeZone(value)).toBe(expected);
  });
});
