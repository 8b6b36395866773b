import { cronScheduleProblem, isTimeZone } from './schedule.validators';

describe('schedule validators', () => {
  const now = new Date('2026-12-01T10:00:00Z');

  it.each([
    ['0 0 * * *', null],
    ['*/15 8-18 * * 1-5', null],
    ['0 0 29 2 *', /within a year/],
    ['0 0 31 2 *', /never runs/],
    ['0 0 30 2 *', /never runs/],
    ['0 0 0 * * *', /five-field/],
    ['*/10 * * * * *', /five-field/],
    ['*/10 * * * *', /every 15 minutes/],
    ['0,5 * * * *', /every 15 minutes/],
    ['50 23 * * *', null],
    ['0,50 0,23 * * *', /every 15 minutes/],
    ['0 0 * *', /five-field/],
    ['61 0 * * *', /five-field/],
    ['every day', /five-field/],
    [42, /five-field/],
  ])('cronScheduleProblem(%p)', (value, expected) => {
    const problem = cronScheduleProblem(value, now);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatch(expected);
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
