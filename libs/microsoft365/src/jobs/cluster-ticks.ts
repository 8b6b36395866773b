import { Injectable, Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { startInterval, stopInterval } from '../common/interval-ticker';
import { describeUnexpected } from '../common/database-failure';
import { type QueuedJob, JobQueue } from './job-queue';
import { TICK_QUEUE } from './job-settings';

interface TickJob {
  name: string;
}

/**
 * Ticks that must happen once per period for the whole PBX, not once per instance (subscription renewals and the
 * polling fallback, Teams presence): each instance's timer offers the period's job (pg-boss `sendThrottled`: one job
 * per key and period, whichever instance offers it first), and one instance runs it. With three instances the work
 * is done once, not three times, and it goes on as long as one instance lives.
 */
@Injectable()
export class ClusterTicks {
  private readonly logger = new Logger(ClusterTicks.name);
  private readonly ticks = new Map<string, () => Promise<unknown>>();

  constructor(
    private readonly queue: JobQueue,
    private readonly registry: SchedulerRegistry,
  ) {
    queue.work<TickJob>(TICK_QUEUE, 1, (job) => this.run(job));
  }

  /** Every `seconds` (none when 0: tests call the tick themselves), one instance runs `tick`. */
  every(name: string, seconds: number, tick: () => Promise<unknown>): void {
    this.ticks.set(name, tick);
    startInterval(this.registry, name, seconds, () =>
      this.offer(name, seconds).catch((error: unknown) =>
        this.logger.warn(
          `Tick ${name} not offered (the next period offers it again): ${describeUnexpected(error)}`,
        ),
      ),
    );
  }

  /** Offers this period's tick; true when this instance's offer is the one that will run (somewhere). */
  async offer(name: string, seconds: number): Promise<boolean> {
    return (await this.queue.sendThrottled<TickJob>(TICK_QUEUE, { name }, seconds, name)) !== null;
  }

  stop(name: string): void {
    stopInterval(this.registry, name);
  }

  private async run(job: QueuedJob<TickJob>): Promise<void> {
    const tick = this.ticks.get(job.data.name);
    if (tick) await tick();
  }
}
