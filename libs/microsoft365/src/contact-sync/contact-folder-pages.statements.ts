import { type EntityManager } from '@mikro-orm/postgresql';
import { executeBound } from '../common/bound-statement';
import { type ContactFolderEntity, type ContactOwnerKey } from './contact-folder.entity';
import { type ContactFolderNode } from './contact-mailbox.entity';
import { type FolderPagePlan } from './contact-sync.planner';

/**
 * Our own bookkeeping of folder pages (which folder each contact came from, each folder's cursor), written for
 * any number of pages of ONE mailbox in one statement each, with the values bound as one jsonb parameter (see
 * executeBound). Issue 20: a statement of its own for the items and one for the cursor of every page cost two
 * round trips per page, and MikroORM's upsertMany had spent ~12 s of CPU building SQL for 200k contacts.
 */

/** One folder's cursor after a page: the next page of the round, or the start of the next round. */
export interface FolderCursor {
  resumeLink: string | null;
  deltaLink: string | null;
  passId: string;
}

export interface FolderPageInput {
  pbxTenantId: string;
  folder: Pick<ContactFolderEntity, 'owner' | 'mailboxId' | 'folderId' | 'path' | 'userPrincipalName'>;
  plan: FolderPagePlan;
  cursor: FolderCursor;
  /** The last page of a full pass: contacts the pass did not see are gone from the folder. */
  endsFullPass: boolean;
}

/**
 * Records the pages' contacts in their folders and saves each folder's cursor (and path). A contact moved in from
 * another folder takes this folder; unchanged rows are not rewritten. The pages are of one mailbox and of distinct
 * folders; a contact in two of them (moved between folders while they were read) is recorded in the later one,
 * as applying the pages one after another would leave it.
 */
export async function saveItemsAndCursors(
  em: EntityManager,
  pages: readonly FolderPageInput[],
  now: Date,
): Promise<void> {
  const [first] = pages;
  if (!first) return;
  const seen = new Set<string>();
  // From the last page backwards, so that the later page keeps a contact that two pages hold (ON CONFLICT may
  // not touch a row twice in one statement).
  const rows = [...pages].reverse().map((page) => {
    let contactIds = page.plan.presentIds;
    if (pages.length > 1) {
      contactIds = contactIds.filter((id) => !seen.has(id));
      for (const id of contactIds) seen.add(id);
    }
    return {
      folder_id: page.folder.folderId,
      path: page.folder.path,
      delta_link: page.cursor.deltaLink,
      resume_link: page.cursor.resumeLink,
      pass_id: page.cursor.passId,
      contact_ids: contactIds,
    };
  });
  // A data-modifying WITH runs to completion whether or not the main statement reads it.
  await executeBound(
    em,
    `with page as (
       select * from jsonb_to_recordset(?::jsonb)
         as p(folder_id text, path text, delta_link text, resume_link text, pass_id text, contact_ids jsonb)),
     items as (
       insert into m365_contact_items (pbx_tenant_id, owner, mailbox_id, folder_id, contact_id, pass_id)
       select ?::text, ?::text, ?::text, page.folder_id, x.contact_id, page.pass_id
         from page, jsonb_array_elements_text(page.contact_ids) as x(contact_id)
       on conflict (pbx_tenant_id, owner, mailbox_id, contact_id)
       do update set folder_id = excluded.folder_id, pass_id = excluded.pass_id
       where (m365_contact_items.folder_id, m365_contact_items.pass_id)
             is distinct from (excluded.folder_id, excluded.pass_id))
     insert into m365_contact_folders
       (id, pbx_tenant_id, owner, mailbox_id, folder_id, path, user_principal_name, delta_link, resume_link,
        pass_id, updated_at)
     select gen_random_uuid(), ?::text, ?::text, ?::text, page.folder_id, page.path, ?::text, page.delta_link,
            page.resume_link, page.pass_id, ?::timestamptz
       from page
     on conflict (pbx_tenant_id, owner, mailbox_id, folder_id)
     do update set path = excluded.path, user_principal_name = excluded.user_principal_name,
                   delta_link = excluded.delta_link, resume_link = excluded.resume_link,
                   pass_id = excluded.pass_id, updated_at = excluded.updated_at`,
    [
      JSON.stringify(rows),
      first.pbxTenantId,
      first.folder.owner,
      first.folder.mailboxId,
      first.pbxTenantId,
      first.folder.owner,
      first.folder.mailboxId,
      first.folder.userPrincipalName,
      now.toISOString(),
    ],
  );
}

/**
 * After the last page of a full pass: the contacts of the folder that the pass did not mark are gone from it.
 * Deletes their records for every such page of the list, and answers them by folder.
 */
export async function deleteStaleItems(
  em: EntityManager,
  pages: readonly FolderPageInput[],
): Promise<Map<string, string[]>> {
  const ending = pages.filter((page) => page.endsFullPass);
  const stale = new Map<string, string[]>();
  const [first] = ending;
  if (!first) return stale;
  const rows = await executeBound<{ folder_id: string; contact_id: string }>(
    em,
    `delete from m365_contact_items i
      using jsonb_to_recordset(?::jsonb) as f(folder_id text, pass_id text)
      where i.pbx_tenant_id = ? and i.owner = ? and i.mailbox_id = ? and i.folder_id = f.folder_id
        and i.pass_id <> f.pass_id
      returning i.folder_id, i.contact_id`,
    [
      JSON.stringify(
        ending.map((page) => ({ folder_id: page.folder.folderId, pass_id: page.cursor.passId })),
      ),
      first.pbxTenantId,
      first.folder.owner,
      first.folder.mailboxId,
    ],
  );
  for (const row of rows) {
    const list = stale.get(row.folder_id);
    if (list) list.push(row.contact_id);
    else stale.set(row.folder_id, [row.contact_id]);
  }
  return stale;
}

/** A folder's cursor as stored (or as this run last wrote it). */
export type StoredCursor = Pick<ContactFolderEntity, 'deltaLink' | 'resumeLink' | 'passId' | 'path'>;

/** The mailbox's folder tree as last read, and where its next folder delta round starts. */
export interface StoredTree {
  folders: ContactFolderNode[];
  foldersDeltaLink: string | null;
}

interface MailboxStateRow {
  folders: ContactFolderNode[] | null;
  folders_delta_link: string | null;
  cursors: {
    folder_id: string;
    path: string;
    delta_link: string | null;
    resume_link: string | null;
    pass_id: string;
  }[];
}

/**
 * What a mailbox's sync starts from, in one statement: its stored tree (null before its first run) and its
 * folders' cursors by folder id. Rows, not entities: nothing of them is written back through the ORM.
 */
export async function loadMailboxState(
  em: EntityManager,
  pbxTenantId: string,
  owner: ContactOwnerKey,
  mailboxId: string,
): Promise<{ tree: StoredTree | null; cursors: Map<string, StoredCursor> }> {
  const [row] = await executeBound<MailboxStateRow>(
    em,
    `select m.folders, m.folders_delta_link,
            (select coalesce(json_agg(json_build_object('folder_id', f.folder_id, 'path', f.path,
                      'delta_link', f.delta_link, 'resume_link', f.resume_link, 'pass_id', f.pass_id)), '[]')
               from m365_contact_folders f
              where f.pbx_tenant_id = k.pbx_tenant_id and f.owner = k.owner and f.mailbox_id = k.mailbox_id) as cursors
       from (select ?::text as pbx_tenant_id, ?::text as owner, ?::text as mailbox_id) k
       left join m365_contact_mailboxes m
         on m.pbx_tenant_id = k.pbx_tenant_id and m.owner = k.owner and m.mailbox_id = k.mailbox_id`,
    [pbxTenantId, owner, mailboxId],
  );
  const cursors = new Map<string, StoredCursor>();
  for (const cursor of row?.cursors ?? []) {
    cursors.set(cursor.folder_id, {
      path: cursor.path,
      deltaLink: cursor.delta_link,
      resumeLink: cursor.resume_link,
      passId: cursor.pass_id,
    });
  }
  const tree = row?.folders ? { folders: row.folders, foldersDeltaLink: row.folders_delta_link } : null;
  return { tree, cursors };
}
