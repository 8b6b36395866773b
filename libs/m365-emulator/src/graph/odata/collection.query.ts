import { GraphError } from '../graph.error';
import { checkFilter, evaluateFilter, type FilterCapabilities } from './filter-capabilities';
import {
  countRequested,
  DEFAULT_PAGE_SIZE,
  hasEventualConsistency,
  nextLinkFor,
  parseFilter,
  parseSelect,
  parseTop,
  readSkipToken,
  rejectSkip,
} from './odata-query';
import { queryOption, type EmulatorRequest } from '../../http/emulator-request';
import { matchesSearch, parseSearch } from './search-expression';

export interface CollectionSpec<T> {
  readonly typeName: string;
  /** Name used in Graph's filter error messages ("User", "Group"). */
  readonly resourceName: string;
  readonly properties: readonly string[];
  readonly singleEntityOnly: readonly string[];
  readonly filterCapabilities: FilterCapabilities;
  readonly orderbyProperties: readonly string[];
  readonly searchProperties: readonly string[];
  read(item: T, property: string): unknown;
  project(item: T, select: readonly string[] | undefined): Record<string, unknown>;
  /** Monotonic position of the item in the natural order (used as the page cursor). */
  position(item: T): number;
}

export interface CollectionPage {
  readonly body: Record<string, unknown>;
}

/**
 * $select/$filter/$search/$orderby/$top/$count/$skiptoken over an in-memory collection, enforcing the directory's
 * rules: $count and advanced filters need ConsistencyLevel: eventual (+$count=true), $top is 1..999, no $skip.
 */
export function queryCollection<T>(
  request: EmulatorRequest,
  items: readonly T[],
  spec: CollectionSpec<T>,
  contextUrl: string,
): CollectionPage {
  rejectSkip(request);
  const select = parseSelect(request, spec.properties, spec.typeName);
  const singleOnly = select?.find((property) => spec.singleEntityOnly.includes(property));
  if (singleOnly)
    throw new GraphError(
      501,
      'NotImplemented',
      `This operation target is not yet supported. Property '${singleOnly}' can only be selected on a single entity.`,
    );
  const top = parseTop(request) ?? DEFAULT_PAGE_SIZE;
  const count = countRequested(request);
  const eventual = hasEventualConsistency(request);
  const advanced = eventual && count;
  const filter = parseFilter(request);
  if (filter) checkFilter(filter, spec.filterCapabilities, spec.resourceName, advanced);

  // $search on directory objects is an advanced query that needs only the header, not $count=true
  // (https://learn.microsoft.com/en-us/graph/aad-advanced-queries, docs/graph-notes.md §3.5).
  const searchRaw = queryOption(request, 'search');
  if (searchRaw !== undefined && !eventual) {
    throw GraphError.unsupportedQuery(
      "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
    );
  }
  const search =
    searchRaw === undefined ? undefined : parseSearch(searchRaw, spec.resourceName, spec.searchProperties);

  const orderbyRaw = queryOption(request, 'orderby');
  let orderby: { property: string; descending: boolean } | undefined;
  if (orderbyRaw !== undefined) {
    const [name = '', direction = 'asc'] = orderbyRaw.trim().split(/\s+/);
    const property = spec.orderbyProperties.find(
      (candidate) => candidate.toLowerCase() === name.toLowerCase(),
    );
    if (!property || (filter && !advanced) || !['asc', 'desc'].includes(direction.toLowerCase())) {
      throw GraphError.unsupportedQuery('Sorting not supported for current query.');
    }
    orderby = { property, descending: direction.toLowerCase() === 'desc' };
  }

  const matches = (item: T): boolean =>
    (!filter || evaluateFilter(filter, (property) => spec.read(item, property))) &&
    (!search || matchesSearch(search, (property) => spec.read(item, property)));

  const cursor = readSkipToken(request);
  const body: Record<string, unknown> = {
    '@odata.context': select ? `${contextUrl}(${select.join(',')})` : contextUrl,
  };
  if (count && !cursor)
    body['@odata.count'] = items.reduce((total, item) => total + (matches(item) ? 1 : 0), 0);

  const page: T[] = [];
  let nextPosition: number | undefined;
  if (!orderby && !search) {
    const startPosition = cursor?.position ?? Number.NEGATIVE_INFINITY;
    let index = lowerBound(items, startPosition, spec);
    for (; index < items.length; index++) {
      const item = items[index];
      if (item === undefined || !matches(item)) continue;
      if (page.length === top) {
        nextPosition = spec.position(item);
        break;
      }
      page.push(item);
    }
  } else {
    const sorted = items.filter(matches);
    if (orderby) {
      const { property, descending } = orderby;
      sorted.sort((a, b) => {
        const left = sortKey(spec.read(a, property));
        const right = sortKey(spec.read(b, property));
        return (left < right ? -1 : left > right ? 1 : 0) * (descending ? -1 : 1);
      });
    }
    const start = cursor?.position ?? 0;
    page.push(...sorted.slice(start, start + top));
    if (start + top < sorted.length) nextPosition = start + top;
  }
  body['value'] = page.map((item) => spec.project(item, select));
  if (nextPosition !== undefined) body['@odata.nextLink'] = nextLinkFor(request, nextPosition);
  return { body };
}

function sortKey(value: unknown): string {
  return typeof value === 'string'
    ? value.toLowerCase()
    : typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : '';
}

function lowerBound<T>(items: readonly T[], position: number, spec: CollectionSpec<T>): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const item = items[mid];
    if (item !== undefined && spec.position(item) < position) low = mid + 1;
    else high = mid;
  }
  return low;
}
