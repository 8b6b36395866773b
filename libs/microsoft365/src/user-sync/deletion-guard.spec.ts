import { evaluateDeletionGuard } from './deletion-guard';

describe('evaluateDeletionGuard', () => {
  const settings = { maxAbsolute: 50, maxPercent: 30 };

  it.each([
    [0, 1000, false],
    [50, 1000, false],
    [51, 1000, true],
    [30, 100, false],
    [31, 100, true],
    [2, 3, false],
    [18, 19, false],
    [7, 20, true],
    // Every synced user at once: held from 3 on, whatever the limits.
    [1, 1, false],
    [2, 2, false],
    [3, 3, true],
    [5, 5, true],
    [19, 19, true],
    [1000, 1000, true],
  ])('%s removals of %s synced users → tripped %s', (removals, synced, tripped) => {
    expect(evaluateDeletionGuard(removals, synced, settings).tripped).toBe(tripped);
  });

  it('holds every synced user leaving even when the limits would let it through', () => {
    expect(evaluateDeletionGuard(5, 5, { maxAbsolute: 1_000_000, maxPercent: 100 })).toEqual({
      tripped: true,
      reason: 'All 5 synced users would be disabled or deleted',
    });
  });

  it('should say why it tripped', () => {
    expect(evaluateDeletionGuard(80, 100, settings)).toEqual({
      tripped: true,
      reason: '80 users would be disabled or deleted, more than the limit of 50',
    });
  });
});
