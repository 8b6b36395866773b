import { type SchedulerRegistry } from '@nestjs/schedule';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';

/**
 * The timer of a background feature (calendar presence; the ticks done once per PBX, `ClusterTicks`): every
 * `seconds`, registered by name so the host sees it in `SchedulerRegistry`. Unref'd, so it never keeps a stopping
 * process alive; `seconds <= 0` registers nothing (tests call the tick themselves).
 */
export function startInterval(
  registry: SchedulerRegistry,
  name: string,
  seconds: number,
  tick: () => Promise<unknown>,
): void {
  if (seconds <= 0) return;
  const timer = setInterval(() => void tick(), seconds * 1000);
  timer.unref();
  registry.addInterval(name, timer);
}

export function stopInterval(registry: SchedulerRegistry, name: string): void {
  if (registry.doesExist('interval', name)) registry.deleteInterval(name);
}

/** `notifications.tickSeconds`, else none in tests (nothing ticks behind a test's back), else `defaultSeconds`. */
export function tickSecondsOf(options: Microsoft365ModuleOptions, defaultSeconds: number): number {
  return options.notifications?.tickSeconds ?? (options.environment === 'test' ? 0 : defaultSeconds);
}
