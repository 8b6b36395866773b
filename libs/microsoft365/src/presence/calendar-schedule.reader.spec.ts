import { CalendarScheduleReader } from './calendar-schedule.reader';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { type GraphApi, type GraphTarget } from '../graph/graph-api.service';
import { GraphConcurrency } from '../graph/graph-concurrency.service';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';
import { Microsoft365Cloud } from '../settings/microsoft365-cloud';

const target: GraphTarget = { pbxTenantId: 't1', cloud: Microsoft365Cloud.Global };

/** A Graph that answers getSchedule after `ms`, recording how many calls were in progress at once. */
function fakeGraph(ms: number, failFor?: string) {
  const seen = { running: 0, peak: 0, paths: [] as string[] };
  const post = jest.fn(async (_target: unknown, path: string, body: { schedules: string[] }) => {
    seen.paths.push(path);
    seen.running++;
    seen.peak = Math.max(seen.peak, seen.running);
    await new Promise((resolve) => setTimeout(resolve, ms));
    seen.running--;
    if (failFor && body.schedules.includes(failFor))
      throw new Microsoft365Exception(Microsoft365ErrorCode.Throttled, 'throttled');
    return { value: body.schedules.map((scheduleId) => ({ scheduleId, scheduleItems: [] })) };
  });
  return { graph: { post } as unknown as GraphApi, seen };
}

const addresses = (count: number) => Array.from({ length: count }, (_, i) => `user${i}@contoso.com`);

describe('CalendarScheduleReader', () => {
  it('sends the getSchedule calls (20 mailboxes each) side by side, each to its first mailbox', async () => {
    const { graph, seen } = fakeGraph(20);
    const reader = new CalendarScheduleReader(graph, new GraphConcurrency({} as Microsoft365ModuleOptions));
    const read = await reader.read(target, addresses(100), new Date(0), new Date(3_600_000));
    expect(seen.paths).toHaveLength(5);
    // Sequential calls would never overlap; the limiter starts at 8, so all 5 run at once.
    expect(seen.peak).toBe(5);
    expect(seen.paths[1]).toBe(`/users/${encodeURIComponent('user20@contoso.com')}/calendar/getSchedule`);
    expect(read.items.size).toBe(100);
    expect(read.failed).toBe(0);
  });

  it('a failing call costs its 20 mailboxes only', async () => {
    const { graph } = fakeGraph(5, 'user45@contoso.com');
    const reader = new CalendarScheduleReader(graph, new GraphConcurrency({} as Microsoft365ModuleOptions));
    const read = await reader.read(target, addresses(60), new Date(0), new Date(3_600_000));
    expect(read.items.size).toBe(40);
    expect(read.failed).toBe(20);
    expect(read.lastError).toBe('THROTTLED: throttled');
  });
});
