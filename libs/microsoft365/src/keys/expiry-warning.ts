import { ExpiryWarningLevel } from './key-pair-status';

const DAY_MS = 24 * 3600 * 1000;

/** Warn 30 days ahead (time to plan), 7 days ahead (act now) and on expiry (the integration has stopped). */
export function expiryWarningLevel(notAfter: Date, now: Date): ExpiryWarningLevel | null {
  const remaining = notAfter.getTime() - now.getTime();
  if (remaining <= 0) return ExpiryWarningLevel.Expired;
  if (remaining <= 7 * DAY_MS) return ExpiryWarningLevel.SevenDays;
  if (remaining <= 30 * DAY_MS) return ExpiryWarningLevel.ThirtyDays;
  return null;
}

const SEVERITY: Record<ExpiryWarningLevel, number> = {
  [ExpiryWarningLevel.ThirtyDays]: 1,
  [ExpiryWarningLevel.SevenDays]: 2,
  [ExpiryWarningLevel.Expired]: 3,
};

export function isMoreSevere(level: ExpiryWarningLevel, than: ExpiryWarningLevel | null): boolean {
  return than === null || SEVERITY[level] > SEVERITY[than];
}

export function daysUntil(date: Date, now: Date): number {
  return Math.floor((date.getTime() - now.getTime()) / DAY_MS);
}

export function expiryMessage(level: ExpiryWarningLevel, notAfter: Date, now: Date): string {
  switch (level) {
    case ExpiryWarningLevel.Expired:
      return `The Microsoft 365 certificate expired on ${notAfter.toISOString().slice(0, 10)}: synchronisation and sign-in have stopped. Generate a new key pair and upload public_key.pem to the Entra app.`;
    case ExpiryWarningLevel.SevenDays:
    case ExpiryWarningLevel.ThirtyDays:
      return `The Microsoft 365 certificate expires in ${daysUntil(notAfter, now)} days (${notAfter.toISOString().slice(0, 10)}). Generate a new key pair and upload public_key.pem to the Entra app; the PBX switches to it by itself once it works.`;
  }
}
