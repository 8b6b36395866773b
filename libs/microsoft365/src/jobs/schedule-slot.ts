import { CronTime } from 'cron';
import { createHash } from 'node:crypto';
import { cronScheduleProblem } from '../user-sync/schedule.validators';

/** A tenant's schedule as its settings give it: the cron expression in its time zone. */
export interface TenantSchedule {
  cron: string;
  timeZone: string;
}

/** One run a schedule asks for: the slot (the cron's time) and when it starts (the slot plus the tenant's offset). */
export interface ScheduleSlot {
  slot: Date;
  startAt: Date;
}

/** What a scheduled job was built from; a job whose settings no longer give it runs nothing. */
export const scheduleFingerprint = (schedule: TenantSchedule): string =>
  `${schedule.cron} @ ${schedule.timeZone}`;

/** The first slot of `schedule` strictly after `after`; null for a schedule that cannot run (logged by the caller). */
export function nextSlotTime(schedule: TenantSchedule, after: Date): Date | null {
  if (cronScheduleProblem(schedule.cron)) return null;
  const next = new CronTime(schedule.cron, schedule.timeZone).getNextDateFrom(after, schedule.timeZone);
  return next.toJSDate();
}

/**
 * The tenant's fixed offset within the spreading window: a thousand tenants scheduled for 00:00 start over
 * `spreadSeconds` instead of in one second, and each admin sees the same time on every instance (it is derived from
 * the tenant id and the feature, not drawn at random).
 */
export function spreadOffsetMs(pbxTenantId: string, feature: string, spreadSeconds: number): number {
  if (spreadSeconds <= 0) return 0;
  const hash = createHash('sha256').update(`${feature}:${pbxTenantId}`).digest();
  return hash.readUInt32BE(0) % (spreadSeconds * 1000);
}

/** The next slot after `after` and when its run starts. */
export function nextSlot(
  schedule: TenantSchedule,
  after: Date,
  spread: { pbxTenantId: string; feature: string; seconds: number },
): ScheduleSlot | null {
  const slot = nextSlotTime(schedule, after);
  if (!slot) return null;
  return {
    slot,
    startAt: new Date(slot.getTime() + spreadOffsetMs(spread.pbxTenantId, spread.feature, spread.seconds)),
  };
}

/**
 * The job id of a slot: the same (tenant, feature, schedule, slot) gives the same id on every instance, so the
 * queue's primary key admits one job per slot however many instances enqueue it and however their clocks differ.
 * The schedule is part of it: another schedule whose next slot falls at the same time is another slot.
 */
export function slotJobId(
  pbxTenantId: string,
  feature: string,
  schedule: TenantSchedule,
  slot: Date,
): string {
  const hash = createHash('sha256')
    .update(
      `microsoft365-slot:${feature}:${pbxTenantId}:${scheduleFingerprint(schedule)}:${slot.toISOString()}`,
    )
    .digest();
  // Formatted as a version 8 (custom) UUID, RFC 9562 §5.8: pg-boss's ids are uuid.
  hash.writeUInt8((hash.readUInt8(6) & 0x0f) | 0x80, 6);
  hash.writeUInt8((hash.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
