import { GraphError } from '../graph.error';
import { matchesSearch, parseSearch, searchTokens } from './search-expression';

const PROPERTIES = ['displayName', 'description', 'mail', 'userPrincipalName', 'proxyAddresses'];

function matches(search: string, values: Record<string, unknown>): boolean {
  return matchesSearch(parseSearch(search, 'User', PROPERTIES), (property) => values[property]);
}

function refusal(search: string): { code: string; message: string } {
  try {
    parseSearch(search, 'User', PROPERTIES);
  } catch (error) {
    if (error instanceof GraphError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error(`accepted ${search}`);
}

describe('$search on directory objects (search-query-parameter)', () => {
  it("tokenizes as Microsoft's examples show", () => {
    expect(searchTokens('hello world')).toEqual(['hello', 'world']);
    expect(searchTokens('HelloWorld')).toEqual(['hello', 'world']);
    expect(searchTokens('helloWORLD')).toEqual(['hello', 'world']);
    // Only lower → upper splits.
    expect(searchTokens('HELLOworld')).toEqual(['helloworld']);
    expect(searchTokens('HelloWORld')).toEqual(['hello', 'world']);
    expect(searchTokens('hello.world')).toEqual(['hello', '.', 'world', 'helloworld']);
    expect(searchTokens('hello123world')).toEqual(['hello', '123', 'world']);
  });

  it('matches displayName by token prefixes in any order, ignoring case', () => {
    const user = { displayName: '李四(David Li)' };
    for (const search of ['李四(David Li)', '李四', 'David', 'Li', 'David)', '(李四', 'Li 李']) {
      expect(matches(`"displayName:${search}"`, user)).toBe(true);
    }
    expect(matches('"displayName:Guthr"', { displayName: 'Adele Guthrie' })).toBe(true);
    expect(matches('"displayName:OneVideo"', { displayName: 'Video team One' })).toBe(true);
    expect(matches('"displayName:helloworld"', { displayName: 'hello-world' })).toBe(true);
    // No "contains": a token must start with the text.
    expect(matches('"displayName:uthrie"', { displayName: 'Adele Guthrie' })).toBe(false);
  });

  it('uses startsWith on properties other than displayName and description', () => {
    expect(matches('"mail:adele.v"', { mail: 'Adele.Vance@contoso.com' })).toBe(true);
    // Not tokenized: "vance" does not start the address.
    expect(matches('"mail:vance"', { mail: 'adele.vance@contoso.com' })).toBe(false);
    expect(matches('"proxyAddresses:SMTP:adele"', { proxyAddresses: ['SMTP:adele@contoso.com'] })).toBe(true);
  });

  it('combines clauses with OR, AND and parentheses (AND first)', () => {
    const user = { displayName: 'Adele Vance', mail: 'adele@contoso.com', description: 'Sales lead' };
    expect(matches('"displayName:nobody" OR "mail:adele"', user)).toBe(true);
    expect(matches('"displayName:adele" AND "mail:nobody"', user)).toBe(false);
    expect(matches('"description:sales" AND ("displayName:nobody" OR "displayName:vance")', user)).toBe(true);
    expect(matches('"displayName:nobody" AND "mail:x" OR "mail:adele"', user)).toBe(true);
  });

  it('reads a double quote or backslash escaped with a backslash', () => {
    expect(matches('"displayName:say \\"hi\\""', { displayName: 'Say "hi" there' })).toBe(true);
    expect(matches('"mail:a\\\\b"', { mail: 'a\\b@contoso.com' })).toBe(true);
  });

  it('refuses what the syntax rules exclude with Request_UnsupportedQuery', () => {
    // Unquoted, unterminated, an unescaped quote or backslash, lower-case operators, no operator, no property.
    for (const search of [
      'displayName:adele',
      '"displayName:adele',
      '"displayName:a"b"',
      '"displayName:a\\b"',
      '"displayName:a" or "mail:b"',
      '"displayName:a" "mail:b"',
      '"adele"',
      '("displayName:a"',
    ]) {
      expect(refusal(search).code).toBe('Request_UnsupportedQuery');
    }
    expect(refusal('"displayName:adele').message).toBe(
      `Syntax error: character '"' is not valid at position 0 in '"displayName:adele'.`,
    );
    expect(refusal('"jobTitle:x"').message).toBe(
      "Unsupported or invalid query filter clause specified for property 'jobTitle' of resource 'User'.",
    );
  });
});
