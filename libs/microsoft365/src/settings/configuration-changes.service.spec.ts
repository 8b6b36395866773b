import { ConfigurationChanges } from './configuration-changes.service';

describe('ConfigurationChanges', () => {
  it('tells every subscriber which tenant changed, or null for all of them', () => {
    const changes = new ConfigurationChanges();
    const first: (string | null)[] = [];
    const second: (string | null)[] = [];
    changes.subscribe((tenant) => first.push(tenant));
    changes.subscribe((tenant) => second.push(tenant));
    changes.changed('t1');
    changes.changedAll();
    expect(first).toEqual(['t1', null]);
    expect(second).toEqual(['t1', null]);
  });

  it('is not listening until told, and forgets everything when listening starts or stops', () => {
    const changes = new ConfigurationChanges();
    const heard: (string | null)[] = [];
    changes.subscribe((tenant) => heard.push(tenant));
    expect(changes.listening).toBe(false);
    changes.setListening(true);
    expect(changes.listening).toBe(true);
    changes.setListening(false);
    expect(changes.listening).toBe(false);
    expect(heard).toEqual([null, null]);
  });
});
