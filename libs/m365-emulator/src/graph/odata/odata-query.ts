import { decodeOpaqueToken, encodeOpaqueToken } from '../../core/base64url';
import { GraphError } from '../graph.error';
import type { FilterNode } from './odata-filter.ast';
import { FilterSyntaxError, ODataFilterParser } from './odata-filter.parser';
import { queryOption, type EmulatorRequest } from '../../http/emulator-request';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 999;

/** ConsistencyLevel: eventual, the header every advanced directory query needs (§3.1). */
export function hasEventualConsistency(request: EmulatorRequest): boolean {
  return (request.headers['consistencylevel'] ?? '').toLowerCase() === 'eventual';
}

/** $count=true; Graph rejects it without ConsistencyLevel: eventual. */
export function countRequested(request: EmulatorRequest): boolean {
  const count = queryOption(request, 'count');
  if (count === undefined) return false;
  if (count.toLowerCase() !== 'true' && count.toLowerCase() !== 'false') {
    throw GraphError.badRequest(`Invalid value '${count}' for $count query option.`);
  }
  if (count.toLowerCase() === 'false') return false;
  if (!hasEventualConsistency(request)) throw GraphError.badRequest('$count is not currently supported.');
  return true;
}

/** Advanced query mode = ConsistencyLevel: eventual plus $count=true. */
export function isAdvancedQuery(request: EmulatorRequest): boolean {
  return hasEventualConsistency(request) && countRequested(request);
}

export function parseTop(request: EmulatorRequest, max = MAX_PAGE_SIZE): number | undefined {
  const raw = queryOption(request, 'top');
  if (raw === undefined) return undefined;
  const top = Number(raw);
  if (!Number.isInteger(top) || top < 1 || top > max) {
    throw GraphError.badRequest(
      `Invalid page size specified: '${raw}'. Must be between 1 and ${max} inclusive.`,
    );
  }
  return top;
}

export function rejectSkip(request: EmulatorRequest): void {
  if (queryOption(request, 'skip') !== undefined)
    throw GraphError.badRequest("'$skip' is not supported by the service.");
}

export function parseSelect(
  request: EmulatorRequest,
  knownProperties: readonly string[],
  typeName: string,
): string[] | undefined {
  const raw = queryOption(request, 'select');
  if (raw === undefined || raw.trim() === '') return undefined;
  return raw.split(',').map((item) => {
    const name = item.trim();
    const canonical = knownProperties.find((known) => known.toLowerCase() === name.toLowerCase());
    if (!canonical)
      throw GraphError.badRequest(`Could not find a property named '${name}' on type '${typeName}'.`);
    return canonical;
  });
}

export function parseFilter(request: EmulatorRequest): FilterNode | undefined {
  const raw = queryOption(request, 'filter');
  if (raw === undefined || raw.trim() === '') return undefined;
  try {
    return ODataFilterParser.parse(raw);
  } catch (error) {
    if (error instanceof FilterSyntaxError) throw GraphError.badRequest(error.message, 'BadRequest');
    throw error;
  }
}

export interface PageCursor {
  /** Ordinal to resume from (natural order) or index into a sorted result. */
  readonly position: number;
}

export function readSkipToken(request: EmulatorRequest): PageCursor | undefined {
  const raw = queryOption(request, 'skiptoken');
  if (raw === undefined) return undefined;
  const decoded = decodeOpaqueToken(raw);
  const position = decoded?.['p'];
  if (typeof position !== 'number')
    throw GraphError.badRequest('The specified page token value is invalid.', 'Directory_ExpiredPageToken');
  return { position };
}

/**
 * Absolute @odata.nextLink: the request's own query plus a new $skiptoken, keeping a literal "$" the way Graph
 * writes its links (clients must re-send headers such as ConsistencyLevel themselves, §3.1).
 */
export function nextLinkFor(request: EmulatorRequest, position: number): string {
  const pairs = request.url.search
    .slice(1)
    .split('&')
    .filter((pair) => {
      if (pair === '') return false;
      const key = decodeURIComponent(pair.split('=')[0] ?? '').toLowerCase();
      return key !== '$skiptoken' && key !== 'skiptoken';
    });
  pairs.push(`$skiptoken=${encodeOpaqueToken({ p: position })}`);
  return `${request.url.origin}${request.url.pathname}?${pairs.join('&')}`;
}
