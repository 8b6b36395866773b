import { GraphError } from '../graph.error';

/**
 * `$search` on directory objects as Microsoft documents it
 * (https://learn.microsoft.com/en-us/graph/search-query-parameter#using-search-on-directory-object-collections,
 * docs/graph-notes.md §3.5):
 *
 * - each clause is `"<property>:<text>"`, wholly inside double quotes; a double quote or a backslash inside it is
 *   escaped with a backslash;
 * - clauses are joined by `AND` / `OR`, upper case, outside the quotes; parentheses set precedence;
 * - `displayName` and `description` are tokenized (spaces, lower→upper case changes, numbers and symbols split
 *   words; words joined only by symbols also match as one), every token of the text must start a token of the
 *   value, in any order, ignoring case; any other string property behaves as `startsWith`.
 */
export type SearchNode =
  | { readonly kind: 'clause'; readonly property: string; readonly text: string }
  | { readonly kind: 'and' | 'or'; readonly left: SearchNode; readonly right: SearchNode };

/** Properties whose search is tokenized; every other searchable property is a `startsWith`. */
const TOKENIZED = new Set(['displayname', 'description']);

class SearchParser {
  private position = 0;

  constructor(
    private readonly raw: string,
    private readonly resourceName: string,
    private readonly searchProperties: readonly string[],
  ) {}

  parse(): SearchNode {
    const node = this.or();
    this.skipSpaces();
    if (this.position < this.raw.length) throw this.syntaxError();
    return node;
  }

  private or(): SearchNode {
    let left = this.and();
    while (this.keyword('OR')) left = { kind: 'or', left, right: this.and() };
    return left;
  }

  private and(): SearchNode {
    let left = this.primary();
    while (this.keyword('AND')) left = { kind: 'and', left, right: this.primary() };
    return left;
  }

  private primary(): SearchNode {
    this.skipSpaces();
    if (this.raw[this.position] === '(') {
      this.position++;
      const inner = this.or();
      this.skipSpaces();
      if (this.raw[this.position] !== ')') throw this.syntaxError();
      this.position++;
      return inner;
    }
    return this.clause();
  }

  private clause(): SearchNode {
    if (this.raw[this.position] !== '"') throw this.syntaxError();
    const start = this.position;
    this.position++;
    let content = '';
    for (;;) {
      const char = this.raw[this.position];
      if (char === undefined) {
        this.position = start;
        throw this.syntaxError();
      }
      this.position++;
      if (char === '"') break;
      if (char === '\\') {
        const escaped = this.raw[this.position];
        if (escaped !== '"' && escaped !== '\\') {
          this.position--;
          throw this.syntaxError();
        }
        content += escaped;
        this.position++;
      } else {
        content += char;
      }
    }
    const colon = content.indexOf(':');
    if (colon <= 0) {
      this.position = start;
      throw this.syntaxError();
    }
    const name = content.slice(0, colon).trim();
    const property = this.searchProperties.find((known) => known.toLowerCase() === name.toLowerCase());
    if (!property) {
      // Any property $filter takes can be searched; Graph's wording for one it does not was not verified, so the
      // $filter message for an unsupported property is used.
      throw GraphError.unsupportedQuery(
        `Unsupported or invalid query filter clause specified for property '${name}' of resource '${this.resourceName}'.`,
      );
    }
    return { kind: 'clause', property, text: content.slice(colon + 1) };
  }

  /** An upper-case operator between clauses; lower-case `and`/`or` are not operators (a syntax error). */
  private keyword(word: 'AND' | 'OR'): boolean {
    this.skipSpaces();
    const after = this.raw[this.position + word.length];
    if (this.raw.startsWith(word, this.position) && (after === ' ' || after === '(' || after === '"')) {
      this.position += word.length;
      return true;
    }
    return false;
  }

  private skipSpaces(): void {
    while (this.raw[this.position] === ' ') this.position++;
  }

  private syntaxError(): GraphError {
    const char = this.raw.charAt(Math.min(this.position, this.raw.length - 1));
    return GraphError.unsupportedQuery(
      `Syntax error: character '${char}' is not valid at position ${this.position} in '${this.raw}'.`,
    );
  }
}

export function parseSearch(
  raw: string,
  resourceName: string,
  searchProperties: readonly string[],
): SearchNode {
  return new SearchParser(raw.trim(), resourceName, searchProperties).parse();
}

/**
 * Splits text into lower-case search tokens the way the directory index does: letters (split where lower case
 * turns upper case), numbers and each symbol are tokens; the words of a space-free run joined by symbols are one
 * more token (`hello.world` → `hello`, `.`, `world`, `helloworld`).
 */
export function searchTokens(text: string): string[] {
  const tokens: string[] = [];
  for (const chunk of text.split(/\s+/).filter(Boolean)) {
    const parts = chunk.match(/\p{L}+|\p{N}+|[^\p{L}\p{N}]/gu) ?? [];
    const words: string[] = [];
    for (const part of parts) {
      if (/^\p{L}+$/u.test(part)) {
        // Only a change from lower to upper case splits: "HelloWORld" → hello, world; "HELLOworld" stays one.
        for (const word of part.split(/(?<=\p{Ll})(?=\p{Lu})/u)) tokens.push(word.toLowerCase());
        words.push(part.toLowerCase());
      } else if (/^\p{N}+$/u.test(part)) {
        tokens.push(part);
        words.push(part);
      } else {
        tokens.push(part);
      }
    }
    if (words.length > 1 && words.length < parts.length) tokens.push(words.join(''));
  }
  return tokens;
}

function matchesClause(value: unknown, property: string, text: string): boolean {
  if (Array.isArray(value)) return value.some((item) => matchesClause(item, property, text));
  if (typeof value !== 'string') return false;
  if (!TOKENIZED.has(property.toLowerCase())) return value.toLowerCase().startsWith(text.toLowerCase());
  const valueTokens = searchTokens(value);
  return searchTokens(text).every((token) => valueTokens.some((candidate) => candidate.startsWith(token)));
}

export function matchesSearch(node: SearchNode, read: (property: string) => unknown): boolean {
  switch (node.kind) {
    case 'clause':
      return matchesClause(read(node.property), node.property, node.text);
    case 'and':
      return matchesSearch(node.left, read) && matchesSearch(node.right, read);
    case 'or':
      return matchesSearch(node.left, read) || matchesSearch(node.right, read);
  }
}
