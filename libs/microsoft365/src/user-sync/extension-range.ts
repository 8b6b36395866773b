export interface ExtensionRange {
  start: string;
  /** Inclusive; defaults to the largest number with as many digits as `start`. */
  end: string | null;
}

/** PortSIP's rule, kept so admins can move between products: 3 to 13 digits, no leading zero. */
export const EXTENSION_PATTERN = /^[1-9][0-9]{2,12}$/;

/** Where numbering starts when the admin configured nothing: the first free four-digit number. */
export const DEFAULT_EXTENSION_RANGE: ExtensionRange = { start: '1000', end: null };

/** The range a tenant's settings give: the configured one, else the first free four-digit number. */
export function extensionRangeOf(settings: {
  extensionStart: string | null;
  extensionEnd: string | null;
}): ExtensionRange {
  return settings.extensionStart
    ? { start: settings.extensionStart, end: settings.extensionEnd }
    : DEFAULT_EXTENSION_RANGE;
}

/** Candidate numbers in order, a window at a time, so the host can be asked which are free in one query. */
export function* extensionCandidates(range: ExtensionRange, windowSize: number): Generator<string[]> {
  const start = BigInt(range.start);
  const end = BigInt(range.end ?? '9'.repeat(range.start.length));
  for (let from = start; from <= end; from += BigInt(windowSize)) {
    const window: string[] = [];
    for (let n = from; n < from + BigInt(windowSize) && n <= end; n++) window.push(n.toString());
    yield window;
  }
}

export function validateExtensionRange(range: ExtensionRange): string | null {
  if (!EXTENSION_PATTERN.test(range.start))
    return 'extensionStart must be 3 to 13 digits without a leading zero';
  if (range.end !== null) {
    if (!EXTENSION_PATTERN.test(range.end))
      return 'extensionEnd must be 3 to 13 digits without a leading zero';
    if (BigInt(range.end) < BigInt(range.start)) return 'extensionEnd must not be below extensionStart';
  }
  return null;
}
