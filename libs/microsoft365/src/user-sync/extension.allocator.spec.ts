import { type EntityManager } from '@mikro-orm/postgresql';
import { type PbxDirectoryPort } from '../ports/pbx-directory.port';
import { ExtensionAllocator } from './extension.allocator';

/** No links reserve anything; the host uses 1001. */
jest.mock('./page-links', () => ({ reservedExtensions: () => Promise.resolve([]) }));
const em = {} as EntityManager;
const directory = {
  findUsedExtensions: (_: string, numbers: string[]) => Promise.resolve(numbers.filter((n) => n === '1001')),
} as unknown as PbxDirectoryPort;

describe('ExtensionAllocator', () => {
  it('never hands out a number a user took from its extension source, before or after its window was read', async () => {
    const allocator = new ExtensionAllocator('t1', { start: '1000', end: '1009' }, directory);
    allocator.claim(['1003']);
    expect(await allocator.take(em, 2)).toEqual(['1000', '1002']);
    allocator.claim(['1004']);
    expect(await allocator.take(em, 10)).toEqual(['1005', '1006', '1007', '1008', '1009']);
    expect([...allocator.given].sort()).toEqual([
      '1000',
      '1002',
      '1003',
      '1004',
      '1005',
      '1006',
      '1007',
      '1008',
      '1009',
    ]);
  });
});
