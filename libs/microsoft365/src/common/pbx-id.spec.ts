import { isPbxId } from './pbx-id';

describe('isPbxId', () => {
  it.each(['42', '0', 'acme-berlin', 'b0c4a6f2-3d1e-4f5a-9b8c-7d6e5f4a3b2c', 'tenant:7', 'a'.repeat(128)])(
    'accepts the host id %s',
    (id) => expect(isPbxId(id)).toBe(true),
  );

  it.each([
    ['empty', ''],
    ['too long', 'a'.repeat(129)],
    ['a slash', 'a/b'],
    ['a space', 'a b'],
    ['a control character', 'a\u0000'],
    ['a percent sign', '%2e%2e'],
    ['not a string', 42],
  ])('refuses %s', (_case, id) => expect(isPbxId(id)).toBe(false));
});
