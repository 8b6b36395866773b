import {
  decodeCursor,
  departmentFilter,
  encodeCursor,
  pickerQuery,
  searchExpression,
  skipTokenOf,
} from './picker-query';

function refusedField(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return (error as { getResponse(): unknown }).getResponse();
  }
  throw new Error('accepted');
}

describe('picker queries', () => {
  it('builds one $search clause per property, escaping quotes and backslashes as Microsoft documents', () => {
    expect(searchExpression('users', 'ade')).toBe(
      '"displayName:ade" OR "mail:ade" OR "userPrincipalName:ade"',
    );
    expect(searchExpression('groups', 'say "hi" \\o/')).toBe(
      '"displayName:say \\"hi\\" \\\\o/" OR "mail:say \\"hi\\" \\\\o/"',
    );
  });

  it("doubles single quotes in the department filter's string literal", () => {
    expect(departmentFilter("O'Brien")).toBe("startswith(department,'O''Brien')");
    expect(departmentFilter(undefined)).toBe('department ne null');
  });

  it('refuses empty, too long or control-character searches with a 400 naming q', () => {
    for (const raw of ['   ', 'x'.repeat(101), 'a\u0000b']) {
      expect(refusedField(() => pickerQuery(raw))).toMatchObject({
        statusCode: 400,
        code: 'INVALID_INPUT',
        errors: [{ field: 'q' }],
      });
    }
    expect(pickerQuery('  ade ')).toBe('ade');
  });

  it('round-trips a cursor and refuses one of another picker, tampered or foreign', () => {
    const cursor = encodeCursor({ kind: 'users', q: 'ade', top: 10, skipToken: 'abc' });
    expect(decodeCursor(cursor, 'users')).toEqual({ kind: 'users', q: 'ade', top: 10, skipToken: 'abc' });
    const foreign = Buffer.from(JSON.stringify({ v: 1, k: 'users', t: 5000, s: 'x' })).toString('base64url');
    for (const [raw, kind] of [
      [cursor, 'groups'],
      [`${cursor}!`, 'users'],
      ['bm90IGpzb24', 'users'],
      [foreign, 'users'],
    ] as const) {
      expect(refusedField(() => decodeCursor(raw, kind))).toMatchObject({ errors: [{ field: 'cursor' }] });
    }
  });

  it('keeps only the $skiptoken of a next link, never the link', () => {
    expect(skipTokenOf('https://evil.example/v1.0/users?$top=5&$skiptoken=RFNwdAIAAQAAAA')).toBe(
      'RFNwdAIAAQAAAA',
    );
    expect(skipTokenOf('https://graph.microsoft.com/v1.0/users?$top=5')).toBeUndefined();
    expect(skipTokenOf(undefined)).toBeUndefined();
  });
});
