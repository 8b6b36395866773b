import { defaultStatusMapping, effectiveStatusMapping } from './default-status-mapping';

describe('default calendar presence mapping', () => {
  it.each([
    [['AVAILABLE', 'AWAY', 'DND', 'IN_A_MEETING', 'OUT_OF_OFFICE'], { busy: 'IN_A_MEETING', oof: 'AWAY' }],
    [['available', 'busy', 'be-right-back'], { busy: 'busy', oof: 'be-right-back' }],
    [['Online', 'Offline'], {}],
  ])('offered %j: %j', (offered, expected) => {
    expect(defaultStatusMapping(offered)).toEqual(expected);
  });

  it("keeps the admin's own mapping", () => {
    expect(effectiveStatusMapping({ busy: 'DND' }, ['DND', 'AWAY', 'BUSY'])).toEqual({ busy: 'DND' });
    expect(effectiveStatusMapping({}, ['DND', 'AWAY', 'BUSY'])).toEqual({ busy: 'BUSY', oof: 'AWAY' });
  });
});
