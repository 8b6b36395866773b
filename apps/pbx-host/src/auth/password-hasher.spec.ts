import { dummyPasswordHash, hashPassword, verifyPassword } from './password-hasher';

describe('password hashing', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', hash)).toBe(false);
  });

  it('salts every hash and never contains the password', async () => {
    const [first, second] = await Promise.all([hashPassword('secret-secret'), hashPassword('secret-secret')]);
    expect(first).not.toBe(second);
    expect(first).not.toContain('secret');
    expect(first).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
  });

  it('treats Unicode compositions of the same password as equal', async () => {
    const hash = await hashPassword('Pa\u00dfw\u00f6rter');
    expect(await verifyPassword('Pa\u00dfwo\u0308rter', hash)).toBe(true);
  });

  it.each(['', 'plain', 'scrypt$1$2$3$$', 'bcrypt$16384$8$1$c2FsdA$aGFzaA', 'scrypt$x$8$1$c2FsdA$aGFzaA'])(
    'refuses the malformed hash %p',
    async (stored) => {
      expect(await verifyPassword('anything', stored)).toBe(false);
    },
  );

  it('offers a dummy hash that matches no password', async () => {
    expect(await verifyPassword('', await dummyPasswordHash())).toBe(false);
    expect(await dummyPasswordHash()).toBe(await dummyPasswordHash());
  });
});
