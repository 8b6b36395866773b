import type { DirectoryChangeLog } from './directory-change.log';
import { DirectoryUser, type DirectoryUserFields } from './directory-user';
import type { Tombstone } from './tombstone';

export class UserStore {
  private readonly byId = new Map<string, DirectoryUser>();
  private readonly byUpn = new Map<string, DirectoryUser>();
  /** Live users in ordinal (creation) order: the paging order of /users. */
  private readonly ordered: DirectoryUser[] = [];
  readonly tombstones = new Map<string, Tombstone>();
  private nextOrdinal = 1;

  constructor(private readonly changeLog: DirectoryChangeLog) {}

  get size(): number {
    return this.ordered.length;
  }

  all(): readonly DirectoryUser[] {
    return this.ordered;
  }

  add(id: string, fields: DirectoryUserFields): DirectoryUser {
    const key = id.toLowerCase();
    if (this.byId.has(key)) throw new Error(`A user with id ${id} already exists`);
    const upnKey = fields.userPrincipalName.toLowerCase();
    if (this.byUpn.has(upnKey))
      throw new Error(`A user with userPrincipalName ${fields.userPrincipalName} already exists`);
    const user = new DirectoryUser(key, this.nextOrdinal++, fields);
    this.byId.set(key, user);
    this.byUpn.set(upnKey, user);
    this.ordered.push(user);
    this.tombstones.delete(key);
    user.lastChangeSeq = this.changeLog.record('user', key);
    return user;
  }

  /** Graph addresses users by id or by userPrincipalName (case-insensitive). */
  find(idOrUpn: string): DirectoryUser | undefined {
    const key = idOrUpn.toLowerCase();
    return this.byId.get(key) ?? this.byUpn.get(key);
  }

  update(user: DirectoryUser, changes: Partial<DirectoryUserFields>): void {
    const nextUpn = changes.userPrincipalName;
    if (nextUpn !== undefined && nextUpn.toLowerCase() !== user.fields.userPrincipalName.toLowerCase()) {
      if (this.byUpn.has(nextUpn.toLowerCase()))
        throw new Error(`userPrincipalName ${nextUpn} is already in use`);
      this.byUpn.delete(user.fields.userPrincipalName.toLowerCase());
      this.byUpn.set(nextUpn.toLowerCase(), user);
    }
    user.fields = { ...user.fields, ...changes };
    user.lastChangeSeq = this.changeLog.record('user', user.id);
  }

  remove(user: DirectoryUser, permanent: boolean): void {
    this.byId.delete(user.id);
    this.byUpn.delete(user.fields.userPrincipalName.toLowerCase());
    const index = this.indexOfOrdinal(user.ordinal);
    if (this.ordered[index] === user) this.ordered.splice(index, 1);
    const seq = this.changeLog.record('user', user.id, permanent);
    this.tombstones.set(user.id, { id: user.id, seq, reason: permanent ? 'deleted' : 'changed' });
  }

  /** Index of the first live user whose ordinal is >= the given one. */
  indexOfOrdinal(ordinal: number): number {
    let low = 0;
    let high = this.ordered.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.ordered[mid]?.ordinal ?? 0) < ordinal) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
