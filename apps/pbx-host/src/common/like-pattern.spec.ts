import { containsPattern } from './like-pattern';

describe('containsPattern', () => {
  it('escapes LIKE wildcards', () => {
    expect(containsPattern('50%_a\\b')).toBe('%50\\%\\_a\\\\b%');
    expect(containsPattern('alice')).toBe('%alice%');
  });
});
