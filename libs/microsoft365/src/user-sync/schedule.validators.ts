import { CronTime } from 'cron';
import { ValidateBy, type ValidationOptions } from 'class-validator';

/** Five fields (minute to weekday), or six with seconds, as `cron` accepts them. */
export function isCronExpression(value: unknown): boolean {
  if (typeof value !== 'string' || value.trim().split(/\s+/).length < 5) return false;
  try {
    new CronTime(value);
    return true;
  } catch {
    // expected: refused input is the validator's answer.
    return false;
  }
}

export function isTimeZone(value: unknown): boolean {
  if (typeof value !== 'string' || value === '') return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    // expected: refused input is the validator's answer.
    return false;
  }
}

export const IsCronExpression = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isCronExpression',
      validator: {
        validate: isCronExpression,
        defaultMessage: () =>
          '$property must be a cron expression such as "0 0 * * *" (minute hour day month weekday)',
      },
    },
    options,
  );

export const IsTimeZone = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isTimeZone',
      validator: {
        validate: isTimeZone,
        defaultMessage: () => '$property must be an IANA time zone such as "Europe/Berlin"',
      },
    },
    options,
  );
