import { decodeOpaqueToken, encodeOpaqueToken } from '../core/base64url';
import { DAY_MS } from '../core/time.format';
import type { EmulatorUrls } from '../emulator-urls';
import { GraphError } from './graph.error';
import { parseFilter, parseSelect } from './odata/odata-query';
import type { FilterNode } from './odata/odata-filter.ast';
import { queryOption, type EmulatorRequest } from '../http/emulator-request';
import type { DirectoryEntityType } from '../state/directory-change.log';
import type { TenantState } from '../state/tenant.state';
import type { Tombstone } from '../state/tombstone';

/** Directory delta tokens live 7 days (docs/graph-notes.md §3.2). */
export const DELTA_TOKEN_LIFETIME_MS = 7 * DAY_MS;
const MAX_ID_FILTERS = 50;

export interface DeltaRound {
  readonly initial: boolean;
  readonly fromSeq: number;
  readonly uptoSeq: number;
  /** The round's $expand, given on its first request and carried in its tokens like $select. */
  readonly expand: string | undefined;
}

export interface DeltaResourceSpec<T> {
  readonly resource: 'users' | 'groups';
  readonly entityType: DirectoryEntityType;
  readonly typeName: string;
  readonly properties: readonly string[];
  readonly pageSize: number;
  live(tenant: TenantState): readonly T[];
  find(tenant: TenantState, id: string): T | undefined;
  tombstone(tenant: TenantState, id: string): Tombstone | undefined;
  id(item: T): string;
  ordinal(item: T): number;
  lastChangeSeq(item: T): number;
  project(
    item: T,
    select: readonly string[] | undefined,
    round: DeltaRound,
    request: EmulatorRequest,
  ): Record<string, unknown>;
}

interface DeltaState {
  readonly resource: string;
  readonly tenantId: string;
  readonly epoch: number;
  /** When the round (or the deltaLink) was issued, on the emulator clock. */
  readonly issuedAt: number;
  readonly select: string[] | undefined;
  /**
   * "The original $select and $expand query parameters are encoded in the state token"
   * (https://learn.microsoft.com/en-us/graph/delta-query-groups), so nextLink and deltaLink requests keep them.
   */
  readonly expand: string | undefined;
  readonly ids: string[] | undefined;
}

interface SkipState extends DeltaState {
  readonly phase: 'initial' | 'changes';
  readonly cursor: number;
  readonly fromSeq: number;
  readonly uptoSeq: number;
}

interface DeltaLinkState extends DeltaState {
  readonly seq: number;
}

/**
 * users/delta and groups/delta over the tenant's change log. A deltaLink stores only a sequence number, so a
 * later round walks the log entries after it, emitting each object once at its latest change (replays are
 * allowed by Graph, so an object changed again mid-round simply shows up next round too).
 */
export class DirectoryDeltaEngine {
  constructor(private readonly urls: EmulatorUrls) {}

  handle<T>(
    request: EmulatorRequest,
    tenant: TenantState,
    spec: DeltaResourceSpec<T>,
    now: number,
  ): Record<string, unknown> {
    for (const option of ['top', 'orderby', 'skip']) {
      if (queryOption(request, option) !== undefined) {
        throw GraphError.unsupportedQuery(
          `The query option '$${option}' is not supported with delta queries.`,
        );
      }
    }
    const skipToken = queryOption(request, 'skiptoken');
    const deltaToken = queryOption(request, 'deltatoken');
    if (skipToken !== undefined) {
      const state = this.decode(skipToken, request, tenant, spec, now);
      const skip = this.asSkipState(state, request, spec);
      return skip.phase === 'initial'
        ? this.initialPage(request, tenant, spec, skip, now)
        : this.changesPage(request, tenant, spec, skip, now);
    }
    if (deltaToken !== undefined && deltaToken !== '') {
      if (deltaToken.toLowerCase() === 'latest') {
        const select = parseSelect(request, spec.properties, spec.typeName);
        return this.finalPage(request, spec, [], {
          resource: spec.resource,
          tenantId: tenant.id,
          epoch: tenant.deltaTokenEpoch,
          issuedAt: now,
          select,
          expand: queryOption(request, 'expand'),
          ids: undefined,
          seq: tenant.changeLog.current(),
        });
      }
      const state = this.decode(deltaToken, request, tenant, spec, now);
      const seq = state['seq'];
      if (typeof seq !== 'number') throw this.resyncRequired(request, spec);
      const base = this.baseState(state, request, spec);
      return this.changesPage(
        request,
        tenant,
        spec,
        {
          ...base,
          issuedAt: now,
          phase: 'changes',
          cursor: seq,
          fromSeq: seq,
          uptoSeq: tenant.changeLog.current(),
        },
        now,
      );
    }
    const select = parseSelect(request, spec.properties, spec.typeName);
    const ids = this.parseIdFilter(parseFilter(request));
    return this.initialPage(
      request,
      tenant,
      spec,
      {
        resource: spec.resource,
        tenantId: tenant.id,
        epoch: tenant.deltaTokenEpoch,
        issuedAt: now,
        select,
        expand: queryOption(request, 'expand'),
        ids,
        phase: 'initial',
        cursor: 0,
        fromSeq: 0,
        uptoSeq: tenant.changeLog.current(),
      },
      now,
    );
  }

  private initialPage<T>(
    request: EmulatorRequest,
    tenant: TenantState,
    spec: DeltaResourceSpec<T>,
    state: SkipState,
    now: number,
  ): Record<string, unknown> {
    const live = spec.live(tenant);
    const round: DeltaRound = { initial: true, fromSeq: 0, uptoSeq: state.uptoSeq, expand: state.expand };
    const idSet = state.ids ? new Set(state.ids) : undefined;
    const value: Record<string, unknown>[] = [];
    for (let index = this.lowerBound(live, state.cursor, spec); index < live.length; index++) {
      const item = live[index];
      if (item === undefined || (idSet && !idSet.has(spec.id(item)))) continue;
      if (value.length === spec.pageSize) {
        return this.nextPage(request, spec, value, { ...state, cursor: spec.ordinal(item) });
      }
      value.push({ ...spec.project(item, state.select, round, request), id: spec.id(item) });
    }
    return this.finalPage(request, spec, value, {
      ...this.stripSkip(state),
      issuedAt: now,
      seq: state.uptoSeq,
    });
  }

  private changesPage<T>(
    request: EmulatorRequest,
    tenant: TenantState,
    spec: DeltaResourceSpec<T>,
    state: SkipState,
    now: number,
  ): Record<string, unknown> {
    const round: DeltaRound = {
      initial: false,
      fromSeq: state.fromSeq,
      uptoSeq: state.uptoSeq,
      expand: state.expand,
    };
    const idSet = state.ids ? new Set(state.ids) : undefined;
    const value: Record<string, unknown>[] = [];
    for (const entry of tenant.changeLog.entries(spec.entityType, state.cursor, state.uptoSeq)) {
      if (idSet && !idSet.has(entry.id)) continue;
      const live = spec.find(tenant, entry.id);
      let emitted: Record<string, unknown> | undefined;
      if (live !== undefined) {
        if (spec.lastChangeSeq(live) === entry.seq)
          emitted = { ...spec.project(live, state.select, round, request), id: entry.id };
      } else {
        const tombstone = spec.tombstone(tenant, entry.id);
        if (tombstone?.seq === entry.seq)
          emitted = { id: entry.id, '@removed': { reason: tombstone.reason } };
      }
      if (!emitted) continue;
      value.push(emitted);
      if (value.length === spec.pageSize)
        return this.nextPage(request, spec, value, { ...state, cursor: entry.seq });
    }
    return this.finalPage(request, spec, value, {
      ...this.stripSkip(state),
      issuedAt: now,
      seq: state.uptoSeq,
    });
  }

  private nextPage<T>(
    request: EmulatorRequest,
    spec: DeltaResourceSpec<T>,
    value: Record<string, unknown>[],
    state: SkipState,
  ): Record<string, unknown> {
    const token = encodeOpaqueToken({
      k: 's',
      r: state.resource,
      t: state.tenantId,
      e: state.epoch,
      i: state.issuedAt,
      sel: state.select,
      x: state.expand,
      ids: state.ids,
      ph: state.phase,
      c: state.cursor,
      f: state.fromSeq,
      u: state.uptoSeq,
    });
    return {
      '@odata.context': this.contextUrl(spec, state.select),
      '@odata.nextLink': `${this.urls.graphBaseUrl}/${spec.resource}/delta?$skiptoken=${token}`,
      value,
    };
  }

  private finalPage<T>(
    _request: EmulatorRequest,
    spec: DeltaResourceSpec<T>,
    value: Record<string, unknown>[],
    state: DeltaLinkState,
  ): Record<string, unknown> {
    const token = encodeOpaqueToken({
      k: 'd',
      r: state.resource,
      t: state.tenantId,
      e: state.epoch,
      i: state.issuedAt,
      sel: state.select,
      x: state.expand,
      ids: state.ids,
      seq: state.seq,
    });
    return {
      '@odata.context': this.contextUrl(spec, state.select),
      '@odata.deltaLink': `${this.urls.graphBaseUrl}/${spec.resource}/delta?$deltatoken=${token}`,
      value,
    };
  }

  private contextUrl<T>(spec: DeltaResourceSpec<T>, select: readonly string[] | undefined): string {
    return `${this.urls.graphBaseUrl}/$metadata#${spec.resource}${select ? `(${select.join(',')})` : ''}`;
  }

  private stripSkip(state: SkipState): DeltaState {
    return {
      resource: state.resource,
      tenantId: state.tenantId,
      epoch: state.epoch,
      issuedAt: state.issuedAt,
      select: state.select,
      expand: state.expand,
      ids: state.ids,
    };
  }

  /** Expired (7 days or forced through the control API) → 410 syncStateNotFound; unreadable → resyncRequired. */
  private decode<T>(
    token: string,
    request: EmulatorRequest,
    tenant: TenantState,
    spec: DeltaResourceSpec<T>,
    now: number,
  ): Record<string, unknown> {
    const decoded = decodeOpaqueToken(token);
    if (!decoded || decoded['r'] !== spec.resource || decoded['t'] !== tenant.id)
      throw this.resyncRequired(request, spec);
    const issuedAt = decoded['i'];
    if (
      decoded['e'] !== tenant.deltaTokenEpoch ||
      typeof issuedAt !== 'number' ||
      issuedAt + DELTA_TOKEN_LIFETIME_MS < now
    ) {
      throw new GraphError(
        410,
        'syncStateNotFound',
        'The sync state generation is not found. The delta token is expired and data must be synchronized again.',
        { location: this.restartUrl(request, spec, decoded) },
      );
    }
    return decoded;
  }

  private asSkipState<T>(
    decoded: Record<string, unknown>,
    request: EmulatorRequest,
    spec: DeltaResourceSpec<T>,
  ): SkipState {
    const phase = decoded['ph'];
    const cursor = decoded['c'];
    const fromSeq = decoded['f'];
    const uptoSeq = decoded['u'];
    if (
      (phase !== 'initial' && phase !== 'changes') ||
      typeof cursor !== 'number' ||
      typeof fromSeq !== 'number' ||
      typeof uptoSeq !== 'number'
    ) {
      throw this.resyncRequired(request, spec);
    }
    return { ...this.baseState(decoded, request, spec), phase, cursor, fromSeq, uptoSeq };
  }

  private baseState<T>(
    decoded: Record<string, unknown>,
    request: EmulatorRequest,
    spec: DeltaResourceSpec<T>,
  ): DeltaState {
    const stringList = (value: unknown): string[] | undefined =>
      Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : undefined;
    const epoch = decoded['e'];
    const issuedAt = decoded['i'];
    if (typeof epoch !== 'number' || typeof issuedAt !== 'number') throw this.resyncRequired(request, spec);
    return {
      resource: spec.resource,
      tenantId: String(decoded['t']),
      epoch,
      issuedAt,
      select: stringList(decoded['sel']),
      expand: typeof decoded['x'] === 'string' ? decoded['x'] : undefined,
      ids: stringList(decoded['ids']),
    };
  }

  private resyncRequired<T>(request: EmulatorRequest, spec: DeltaResourceSpec<T>): GraphError {
    return new GraphError(
      410,
      'resyncRequired',
      'The delta token is no longer valid, and the app must reset the sync state.',
      {
        location: this.restartUrl(request, spec, undefined),
      },
    );
  }

  /** "Synchronization reset": the Location header carries a URL with an empty $deltaToken (§3.2). */
  private restartUrl<T>(
    _request: EmulatorRequest,
    spec: DeltaResourceSpec<T>,
    decoded: Record<string, unknown> | undefined,
  ): string {
    const select = Array.isArray(decoded?.['sel']) ? (decoded['sel'] as unknown[]).join(',') : undefined;
    const query = select ? `$select=${select}&$deltatoken=` : '$deltatoken=';
    return `${this.urls.graphBaseUrl}/${spec.resource}/delta?${query}`;
  }

  /** Delta only supports `id eq '…'` OR-ed, at most 50 (docs/graph-notes.md §3.2). */
  private parseIdFilter(filter: FilterNode | undefined): string[] | undefined {
    if (!filter) return undefined;
    const ids: string[] = [];
    const walk = (node: FilterNode): void => {
      if (node.kind === 'or') {
        walk(node.left);
        walk(node.right);
      } else if (
        node.kind === 'compare' &&
        node.operator === 'eq' &&
        node.property.toLowerCase() === 'id' &&
        typeof node.value === 'string'
      ) {
        ids.push(node.value.toLowerCase());
      } else {
        throw GraphError.unsupportedQuery(
          "Delta queries only support $filter=id eq '{id}' clauses combined with 'or'.",
        );
      }
    };
    walk(filter);
    if (ids.length > MAX_ID_FILTERS)
      throw GraphError.unsupportedQuery(`Delta queries support at most ${MAX_ID_FILTERS} id filters.`);
    return ids;
  }

  private lowerBound<T>(items: readonly T[], ordinal: number, spec: DeltaResourceSpec<T>): number {
    let low = 0;
    let high = items.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const item = items[mid];
      if (item !== undefined && spec.ordinal(item) < ordinal) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
