/**
 * The photo ceiling: how many photos per second the emulator's throttling allows, measured in the same run by
 * probing it directly (no PBX in between) with `$batch` calls of `GET /users/{id}/photo/$value`, 20 a batch
 * (https://learn.microsoft.com/en-us/graph/json-batching: at most 20 requests per batch) and 4 a batch (the module's
 * shape for Outlook items), each at 4, 8, 16, ... batches in flight, until a level answers with a 429 or gains less
 * than 5 % over the one before. It is probed on a directory of its own (the resource-unit budget is per tenant and
 * app) of as many users as the scenario, with the same injected latency; as in a sync, every photo in flight is
 * another mailbox (at most users / batch size batches in flight, each user asked once per round), so Outlook's
 * 4-concurrent-requests-per-mailbox limit is never what stops the probe.
 *
 * Two bounds, and the ceiling is the lower one:
 * - concurrency: the best 429-free rate of a level. Each level starts with a full resource-unit budget (the
 *   emulator's buckets emptied between levels), so that a level is not throttled for what the levels before it used
 *   (they were: at 128 in flight the 429s were `ResourceUnitLimitExceeded` of a budget the probe had drained itself);
 * - resource units: one photo costs 1 RU, and the directory's budget per app and tenant is a bucket of 8,000 RU per
 *   10 s for more than 500 users (3,500 under 50, 5,000 up to 500; docs/graph-notes.md §6, from
 *   https://learn.microsoft.com/en-us/graph/throttling-limits#identity-and-access-service-limits), refilled as it is
 *   used, so `photos` photos take at least (photos - budget) / (budget / 10 s): no client gets them faster.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import { log } from './bench.measurement';
import { registerBenchApp } from './emulator-app';
import { type EmulatorProcess, forEachLimited } from './emulator.process';

/**
 * The batch shapes probed: JSON batching's most (20), and the most Outlook items Graph runs of one batch at once (4,
 * docs/graph-notes.md §6; the module's shape for Outlook items). The ceiling is the best of either: what the
 * throttling allows, whatever the shape of the requests.
 */
const BATCH_SIZES = [20, 4];
const MAX_IN_FLIGHT = 512;
const MIN_GAIN = 1.05;

export interface PhotoCeilingLevel {
  /** Photo requests per `$batch`. */
  batchSize: number;
  batchesInFlight: number;
  photos: number;
  ms: number;
  photosPerSecond: number;
  throttled: number;
}

export interface PhotoCeiling {
  /** The lower of the two bounds below. */
  photosPerSecond: number;
  /** The best 429-free level, each level with a full resource-unit budget. */
  concurrencyBound: { photosPerSecond: number; batchesInFlight: number; batchSize: number };
  /** What the directory's resource-unit budget allows for `photos` photos (null: the budget covers them at once). */
  resourceUnitBound: { photos: number; budgetPer10Seconds: number; photosPerSecond: number | null };
  levels: PhotoCeilingLevel[];
  method: string;
}

/** The resource units per 10 s of an app in a directory of `users` users (docs/graph-notes.md §6). */
function resourceUnitBudget(users: number): number {
  if (users < 50) return 3_500;
  return users <= 500 ? 5_000 : 8_000;
}

export async function probePhotoCeiling(
  emulator: EmulatorProcess,
  users: number,
  photoBytes: number,
): Promise<PhotoCeiling> {
  const permissions = ['User.Read.All', 'ProfilePhoto.Read.All'];
  const seeded = await emulator.control('seed', {
    seed: `photo-probe-${randomUUID().slice(0, 8)}`,
    tenantId: randomUUID(),
    domain: `photoprobe${Date.now()}.onmicrosoft.com`,
    users,
    departments: 0,
    groupDepth: 0,
    photos: 1,
    // As heavy as the scenario's photos: their weight is part of what a level can move.
    ...(photoBytes > 0 ? { photoBytes } : {}),
    app: { permissions },
  });
  const ids = (await emulator.control('listUsers', { tenant: seeded.tenantId })).map((user) => user.id);
  const agent = new Agent({ connect: { ca: emulator.caPem }, connections: MAX_IN_FLIGHT });
  try {
    const app = await registerBenchApp(
      emulator,
      { tenantId: seeded.tenantId, clientId: seeded.clientId ?? '' },
      permissions,
      agent,
    );
    const token = (await app.token()).accessToken;
    let cursor = 0;
    const batch = async (size: number): Promise<{ photos: number; throttled: number }> => {
      const requests = Array.from({ length: size }, (_, i) => {
        const id = ids[cursor++ % ids.length] ?? '';
        return { id: String(i + 1), method: 'GET', url: `/users/${id}/photo/$value` };
      });
      const response = await request(`${emulator.baseUrl}/v1.0/$batch`, {
        method: 'POST',
        dispatcher: agent,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ requests }),
      });
      if (response.statusCode === 429) {
        await response.body.dump();
        return { photos: 0, throttled: size };
      }
      const body = (await response.body.json()) as { responses?: { status: number }[] };
      const statuses = (body.responses ?? []).map((answer) => answer.status);
      return {
        photos: statuses.filter((status) => status === 200 || status === 404).length,
        throttled: statuses.filter((status) => status === 429).length,
      };
    };
    const levels: PhotoCeilingLevel[] = [];
    for (const batchSize of BATCH_SIZES) {
      const shape: PhotoCeilingLevel[] = [];
      const mostInFlight = Math.min(MAX_IN_FLIGHT, Math.floor(ids.length / batchSize));
      for (let inFlight = 4; inFlight <= mostInFlight; inFlight *= 2) {
        // A full budget for this level: setThrottling empties the emulator's resource-unit buckets.
        await emulator.control('setThrottling', {});
        const batches = Math.max(inFlight * 3, 24);
        let photos = 0;
        let throttled = 0;
        const started = Date.now();
        await forEachLimited(
          Array.from({ length: batches }, (_, i) => i),
          inFlight,
          async () => {
            const result = await batch(batchSize);
            photos += result.photos;
            throttled += result.throttled;
          },
        );
        const ms = Date.now() - started;
        const level = {
          batchSize,
          batchesInFlight: inFlight,
          photos,
          ms,
          photosPerSecond: Math.round((photos * 1000) / ms),
          throttled,
        };
        shape.push(level);
        log(
          `photo ceiling probe: ${inFlight} batches of ${batchSize} in flight → ${level.photosPerSecond} photos/s, ` +
            `${throttled} 429s`,
        );
        const previous = shape.at(-2);
        if (throttled > 0 || (previous && level.photosPerSecond < previous.photosPerSecond * MIN_GAIN)) break;
      }
      levels.push(...shape);
    }
    const best = levels
      .filter((level) => level.throttled === 0)
      .reduce<PhotoCeilingLevel | undefined>(
        (top, level) => (!top || level.photosPerSecond > top.photosPerSecond ? level : top),
        undefined,
      );
    const budget = resourceUnitBudget(users);
    const refillSeconds = (users - budget) / (budget / 10);
    const resourceUnitBound = {
      photos: users,
      budgetPer10Seconds: budget,
      photosPerSecond: refillSeconds > 0 ? Math.round(users / refillSeconds) : null,
    };
    const concurrency = best?.photosPerSecond ?? 0;
    return {
      photosPerSecond: Math.min(concurrency, resourceUnitBound.photosPerSecond ?? Number.POSITIVE_INFINITY),
      concurrencyBound: {
        photosPerSecond: concurrency,
        batchesInFlight: best?.batchesInFlight ?? 0,
        batchSize: best?.batchSize ?? 0,
      },
      resourceUnitBound,
      levels,
      method:
        'measured: $batch calls of 20 and of 4 photo requests straight to the emulator (no PBX), at 4, 8, 16, ... batches in ' +
        'flight, each level with a full resource-unit budget, until a 429 or less than 5 % gain: the best 429-free ' +
        'photos/s; computed: the photos/s the directory’s resource-unit budget allows for as many photos (1 RU ' +
        'each); ceiling = the lower of the two',
    };
  } finally {
    await agent.close();
  }
}
