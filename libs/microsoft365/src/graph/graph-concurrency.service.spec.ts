import { GraphConcurrency } from './graph-concurrency.service';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';

const concurrencyFor = (graphConcurrency?: Microsoft365ModuleOptions['graphConcurrency']) =>
  new GraphConcurrency({ graphConcurrency } as Microsoft365ModuleOptions);

describe('GraphConcurrency (module option `graphConcurrency`)', () => {
  it('starts moderate by default: floor 4, start 8, ceiling 64', () => {
    const concurrency = concurrencyFor();
    expect(concurrency).toMatchObject({ floor: 4, start: 8, ceiling: 64 });
    expect(concurrency.limiter('t1', 'batches').limit).toBe(8);
  });

  it('takes the host’s bounds', () => {
    const limiter = concurrencyFor({ floor: 2, start: 3, ceiling: 100 }).limiter('t1', 'contacts');
    expect(limiter).toMatchObject({ floor: 2, ceiling: 100, limit: 3 });
  });

  it('keeps one limiter per tenant and kind, for the life of the process', () => {
    const concurrency = concurrencyFor();
    const photos = concurrency.limiter('t1', 'batches');
    expect(concurrency.limiter('t1', 'batches')).toBe(photos);
    expect(concurrency.limiter('t2', 'batches')).not.toBe(photos);
    expect(concurrency.limiter('t1', 'contacts')).not.toBe(photos);
  });

  it.each([
    [{ floor: 0 }],
    [{ floor: 9 }],
    [{ start: 128 }],
    [{ ceiling: 2.5 }],
    [{ ceiling: 257, start: 8 }],
    [{ floor: 8, start: 4 }],
  ])('refuses %j at start-up', (graphConcurrency) => {
    expect(() => concurrencyFor(graphConcurrency)).toThrow(
      /graphConcurrency must be integers with 1 <= floor <= start <= ceiling <= 256/,
    );
  });
});
