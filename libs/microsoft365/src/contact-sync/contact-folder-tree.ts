import { type ContactFolderNode } from './contact-mailbox.entity';
import { DEFAULT_FOLDER_ID, type OutlookContactFolder } from './outlook-contact';

/** One entry of a `contactFolders/delta` round: a folder as it is now, or one gone from the mailbox. */
export type ContactFolderChange = ContactFolderNode | { id: string; removed: true };

/**
 * The tree after one folder delta round (docs/graph-notes.md §7). A folder returned again was added, renamed or
 * moved; a removed folder takes its sub-folders with it, whether or not Outlook reports them one by one.
 */
export function applyFolderChanges(
  tree: readonly ContactFolderNode[],
  changes: readonly ContactFolderChange[],
): ContactFolderNode[] {
  const nodes = new Map(tree.map((node) => [node.id, node]));
  for (const change of changes) {
    if ('removed' in change) removeWithDescendants(nodes, [change.id]);
    else nodes.set(change.id, { id: change.id, name: change.name, parentId: change.parentId });
  }
  return [...nodes.values()];
}

/** The tree without these folders and the folders below them. */
export function withoutFolders(
  tree: readonly ContactFolderNode[],
  ids: readonly string[],
): ContactFolderNode[] {
  const nodes = new Map(tree.map((node) => [node.id, node]));
  removeWithDescendants(nodes, ids);
  return [...nodes.values()];
}

/**
 * The folders a mailbox syncs: the default Contacts folder, then every folder of the tree with its path. A
 * folder whose parent is not in the tree hangs below the default folder (it is the parent of the top level).
 */
export function foldersOf(tree: readonly ContactFolderNode[]): OutlookContactFolder[] {
  const nodes = new Map(tree.map((node) => [node.id, node]));
  const paths = new Map<string, string>();
  const pathOf = (node: ContactFolderNode, seen: Set<string>): string => {
    const known = paths.get(node.id);
    if (known !== undefined) return known;
    const parent = node.parentId === null ? undefined : nodes.get(node.parentId);
    // A cycle cannot happen in Outlook; the guard keeps a corrupt tree from looping.
    const parentPath = parent && !seen.has(parent.id) ? pathOf(parent, seen.add(node.id)) : 'Contacts';
    const path = `${parentPath}/${node.name}`;
    paths.set(node.id, path);
    return path;
  };
  return [
    { folderId: DEFAULT_FOLDER_ID, path: 'Contacts' },
    ...tree.map((node) => ({ folderId: node.id, path: pathOf(node, new Set()) })),
  ];
}

export function sameTree(a: readonly ContactFolderNode[], b: readonly ContactFolderNode[]): boolean {
  return (
    a.length === b.length &&
    a.every((node, index) => {
      const other = b[index];
      return other?.id === node.id && other.name === node.name && other.parentId === node.parentId;
    })
  );
}

function removeWithDescendants(nodes: Map<string, ContactFolderNode>, ids: readonly string[]): void {
  const gone = new Set(ids);
  let grew = true;
  while (grew) {
    grew = false;
    for (const node of nodes.values()) {
      if (!gone.has(node.id) && node.parentId !== null && gone.has(node.parentId)) {
        gone.add(node.id);
        grew = true;
      }
    }
  }
  for (const id of gone) nodes.delete(id);
}
