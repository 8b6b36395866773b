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
    [19, 19, false],
    [7, 20, true],
  ])('%s removals of %s synced users → tripped %s', (removals, synced, tripped) => {
    expect(evaluateDeletionGuard(removals, synced, settings).tripped).toBe(tripped);
  });

  it('should say why it tripped', () => {
    expect(evaluateDeletionGuard(80, 100, settings)).toEqual({
      tripped: true,
      reason: '80 users would be disabled or deleted, more than the limit of 50',
    });
  });
});
