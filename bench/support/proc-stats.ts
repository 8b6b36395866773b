/** Memory and CPU of another process, from Linux's /proc (the host and emulator children of the benches). */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { log } from './bench.measurement';

export interface ProcMemory {
  /** VmRSS now. */
  rssMb: number;
  /** VmHWM: the peak RSS since the process started or since the last resetProcPeak(). */
  peakRssMb: number;
}

const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;

function readStatusKb(pid: number, field: string): number {
  // A process that has exited has nothing to read: 0.
  if (!existsSync(`/proc/${pid}/status`)) return 0;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : 0;
}

export function readProcMemory(pid: number): ProcMemory {
  return { rssMb: mb(readStatusKb(pid, 'VmRSS')), peakRssMb: mb(readStatusKb(pid, 'VmHWM')) };
}

/** Resets VmHWM to the current RSS (writes 5 to /proc/<pid>/clear_refs); false where the kernel does not allow it. */
export function resetProcPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch (error) {
    log(
      `VmHWM of pid ${pid} not reset (${(error as NodeJS.ErrnoException).code ?? 'error'}): peaks from VmRSS samples`,
    );
    return false;
  }
}

let clockTicks: number | undefined;

/** user + system CPU time (fields 14 and 15 of /proc/<pid>/stat, in clock ticks) in milliseconds. */
export function readProcCpuMs(pid: number): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  if (!existsSync(`/proc/${pid}/stat`)) return 0;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Math.round(((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks);
}

/**
 * The peak RSS of a process over a scenario: VmRSS sampled every 100 ms and VmHWM (reset at the start where the
 * kernel allows it, so a peak of an earlier scenario does not count), whichever is higher; and its CPU time.
 */
export class ProcSampler {
  private peakRssMb = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly peakReset: boolean;
  private readonly cpuAtStart: number;
  readonly rssAtStartMb: number;

  constructor(private readonly pid: number) {
    this.peakReset = resetProcPeak(pid);
    this.cpuAtStart = readProcCpuMs(pid);
    this.rssAtStartMb = readProcMemory(pid).rssMb;
    this.sample();
    this.timer = setInterval(() => this.sample(), 100);
  }

  private sample(): void {
    this.peakRssMb = Math.max(this.peakRssMb, readProcMemory(this.pid).rssMb);
  }

  stop(): { peakRssMb: number; rssAtStartMb: number; rssAtEndMb: number; cpuMs: number; peakFrom: string } {
    clearInterval(this.timer);
    this.sample();
    const memory = readProcMemory(this.pid);
    return {
      peakRssMb: Math.max(this.peakRssMb, this.peakReset ? memory.peakRssMb : 0),
      rssAtStartMb: this.rssAtStartMb,
      rssAtEndMb: memory.rssMb,
      cpuMs: readProcCpuMs(this.pid) - this.cpuAtStart,
      peakFrom: this.peakReset ? 'VmHWM since scenario start and VmRSS every 100 ms' : 'VmRSS every 100 ms',
    };
  }
}
