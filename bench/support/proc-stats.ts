/** Memory and CPU of another process, from Linux's /proc (the host and emulator children of the benches). */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  const { userMs, systemMs } = readProcUserSystemMs(pid);
  return userMs + systemMs;
}

/** user and system CPU time of a process (fields 14 and 15 of /proc/<pid>/stat) in milliseconds. */
export function readProcUserSystemMs(pid: number): { userMs: number; systemMs: number } {
  const fields = statFields(pid);
  if (!fields) return { userMs: 0, systemMs: 0 };
  return { userMs: ticksToMs(Number(fields[11])), systemMs: ticksToMs(Number(fields[12])) };
}

/**
 * CPU time of every PostgreSQL process of the machine (postmaster, backends, background workers) in milliseconds:
 * theirs, plus what the postmasters' exited children used (cutime, cstime: a backend that ended during a scenario
 * still counts). The benches run the only PostgreSQL of the machine (embedded), so this is the database's CPU.
 */
export function readPostgresCpuMs(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (readComm(entry) !== 'postgres') continue;
    const fields = statFields(Number(entry));
    if (!fields) continue;
    const ownTicks = Number(fields[11]) + Number(fields[12]);
    // A backend's parent is the postmaster (also a `postgres`): only the postmaster's cutime, or children would
    // be counted twice when a backend forks nothing. Field 4 is the parent pid; field 16-17 cutime and cstime.
    const childTicks = readComm(fields[1] ?? '') === 'postgres' ? 0 : Number(fields[13]) + Number(fields[14]);
    total += ticksToMs(ownTicks + childTicks);
  }
  return total;
}

/** A process's command name, or '' when it has exited (an exited backend counts in its parent's cutime). */
function readComm(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    // expected: the process ended between the listing and the read.
    return '';
  }
}

function ticksToMs(ticks: number): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  return Math.round((ticks * 1000) / clockTicks);
}

/** The fields after the command name of /proc/<pid>/stat (index 0 is field 3, the state), or null. */
function statFields(pid: number): string[] | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // expected: the process has exited.
    return null;
  }
  // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
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
  private readonly systemAtStart: number;
  readonly rssAtStartMb: number;

  constructor(private readonly pid: number) {
    this.peakReset = resetProcPeak(pid);
    this.cpuAtStart = readProcCpuMs(pid);
    this.systemAtStart = readProcUserSystemMs(pid).systemMs;
    this.rssAtStartMb = readProcMemory(pid).rssMb;
    this.sample();
    this.timer = setInterval(() => this.sample(), 100);
  }

  private sample(): void {
    this.peakRssMb = Math.max(this.peakRssMb, readProcMemory(this.pid).rssMb);
  }

  stop(): {
    peakRssMb: number;
    rssAtStartMb: number;
    rssAtEndMb: number;
    cpuMs: number;
    /** The part of cpuMs spent in the kernel (socket writes and reads, page faults). */
    systemCpuMs: number;
    peakFrom: string;
  } {
    clearInterval(this.timer);
    this.sample();
    const memory = readProcMemory(this.pid);
    return {
      peakRssMb: Math.max(this.peakRssMb, this.peakReset ? memory.peakRssMb : 0),
      rssAtStartMb: this.rssAtStartMb,
      rssAtEndMb: memory.rssMb,
      cpuMs: readProcCpuMs(this.pid) - this.cpuAtStart,
      systemCpuMs: readProcUserSystemMs(this.pid).systemMs - this.systemAtStart,
      peakFrom: this.peakReset ? 'VmHWM since scenario start and VmRSS every 100 ms' : 'VmRSS every 100 ms',
    };
  }
}
