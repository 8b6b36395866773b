import { applyFolderChanges, foldersOf, sameTree, withoutFolders } from './contact-folder-tree';

describe('contact folder tree', () => {
  const tree = applyFolderChanges(
    [],
    [
      { id: 'a', name: 'Clients', parentId: 'root-default' },
      { id: 'b', name: 'VIP', parentId: 'a' },
      { id: 'c', name: 'Gold', parentId: 'b' },
      { id: 'd', name: 'Family', parentId: 'root-default' },
      // An initial round has no removals; one reported anyway changes nothing.
      { id: 'zz', removed: true },
    ],
  );

  it('builds slash paths from parentFolderId below the default folder, which comes first', () => {
    expect(foldersOf(tree)).toEqual([
      { folderId: 'default', path: 'Contacts' },
      { folderId: 'a', path: 'Contacts/Clients' },
      { folderId: 'b', path: 'Contacts/Clients/VIP' },
      { folderId: 'c', path: 'Contacts/Clients/VIP/Gold' },
      { folderId: 'd', path: 'Contacts/Family' },
    ]);
  });

  it('applies renames, moves and additions; a removed folder takes its sub-folders even when not reported', () => {
    const next = applyFolderChanges(tree, [
      { id: 'a', name: 'Customers', parentId: 'root-default' },
      { id: 'e', name: 'Partners', parentId: 'd' },
      { id: 'b', removed: true },
    ]);
    expect(foldersOf(next)).toEqual([
      { folderId: 'default', path: 'Contacts' },
      { folderId: 'a', path: 'Contacts/Customers' },
      { folderId: 'd', path: 'Contacts/Family' },
      { folderId: 'e', path: 'Contacts/Family/Partners' },
    ]);
    expect(sameTree(next, tree)).toBe(false);
    expect(sameTree(applyFolderChanges(tree, []), tree)).toBe(true);
    expect(withoutFolders(tree, ['a']).map((node) => node.id)).toEqual(['d']);
  });

  it('survives a corrupt tree whose parents form a cycle', () => {
    const cycle = [
      { id: 'x', name: 'X', parentId: 'y' },
      { id: 'y', name: 'Y', parentId: 'x' },
    ];
    expect(foldersOf(cycle).map((folder) => folder.path)).toEqual(['Contacts', 'Contacts/Y/X', 'Contacts/Y']);
  });
});
