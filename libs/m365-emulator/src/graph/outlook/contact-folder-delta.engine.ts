import { decodeOpaqueToken, encodeOpaqueToken } from '../../core/base64url';
import { GraphError } from '../graph.error';
import type { GraphCaller } from '../graph-caller';
import { CONTACT_FOLDER_TYPE_NAME, projectContactFolder } from './contact.resource';
import { parseOutlookSelect, preferredMaxPageSize, rejectUnsupportedOptions } from './outlook-query';
import { queryOption, type EmulatorRequest } from '../../http/emulator-request';
import type { ContactFolder } from '../../state/mailbox/contact-folder';
import type { Mailbox } from '../../state/mailbox/mailbox';

/** Properties of contactFolder the emulator models (docs/graph-notes.md §7). */
export const CONTACT_FOLDER_PROPERTIES: readonly string[] = ['id', 'displayName', 'parentFolderId'];

/**
 * No page size is documented for contactFolders/delta: without a Prefer header the emulator uses Outlook's
 * list default, and caps a preference at the contacts delta's 200 (not verified, docs/graph-notes.md §7).
 */
export const CONTACT_FOLDER_DELTA_DEFAULT_PAGE_SIZE = 10;
export const CONTACT_FOLDER_DELTA_MAX_PAGE_SIZE = 200;

/**
 * The Graph host of the China cloud operated by 21Vianet, which does not offer contactFolders/delta
 * (docs/graph-notes.md §2, §7).
 */
const CHINA_GRAPH_RESOURCE = 'https://microsoftgraph.chinacloudapi.cn';

interface FolderRoundState {
  readonly tenantId: string;
  readonly userId: string;
  readonly epoch: number;
  readonly select: string[] | undefined;
  readonly initial: boolean;
  /** Initial round: folders already returned; change rounds: entries already returned. */
  readonly offset: number;
  /** Folder changes after this sequence (change rounds only). */
  readonly afterSeq: number;
  readonly uptoSeq: number;
}

export interface ContactFolderDeltaPage {
  readonly body: Record<string, unknown>;
  readonly headers: Record<string, string>;
}

type Entry = Record<string, unknown>;

/**
 * `GET /users/{id}/contactFolders/delta` (docs/graph-notes.md §7). The first round returns every contact folder
 * of the mailbox below the default Contacts folder, at any depth, as a flat list with parentFolderId; a
 * deltaLink stores the mailbox's folder sequence, so the next round returns folders created or renamed since,
 * and folders deleted since as {"@removed":{"reason":"deleted"}}. The default folder itself is not returned,
 * as /contactFolders does not list it. Refused in 21Vianet's cloud, which does not offer the function.
 */
export class ContactFolderDeltaEngine {
  handle(
    request: EmulatorRequest,
    caller: GraphCaller,
    mailbox: Mailbox,
    linkBase: string,
  ): ContactFolderDeltaPage {
    if (caller.audience === CHINA_GRAPH_RESOURCE) {
      throw new GraphError(400, 'BadRequest', "Resource not found for the segment 'delta'.");
    }
    rejectUnsupportedOptions(request, ['select', 'deltatoken', 'skiptoken']);
    const preferred = preferredMaxPageSize(request);
    const pageSize = Math.min(
      preferred ?? CONTACT_FOLDER_DELTA_DEFAULT_PAGE_SIZE,
      CONTACT_FOLDER_DELTA_MAX_PAGE_SIZE,
    );
    const headers: Record<string, string> =
      preferred === undefined ? {} : { 'preference-applied': `odata.maxpagesize=${pageSize}` };
    const tenant = caller.tenant;
    const current = { tenantId: tenant.id, userId: mailbox.userId, epoch: tenant.deltaTokenEpoch };
    const token = queryOption(request, 'skiptoken') ?? queryOption(request, 'deltatoken');
    const state: FolderRoundState =
      token === undefined
        ? {
            ...current,
            select: parseOutlookSelect(request, CONTACT_FOLDER_PROPERTIES, CONTACT_FOLDER_TYPE_NAME),
            initial: true,
            offset: 0,
            afterSeq: 0,
            uptoSeq: mailbox.currentFolderSeq,
          }
        : this.decode(token, current, mailbox.currentFolderSeq);
    const entries = state.initial ? this.allFolders(mailbox, state) : this.changes(mailbox, state);
    const value = entries.slice(state.offset, state.offset + pageSize);
    const more = state.offset + pageSize < entries.length;
    const context = `${linkBase.slice(0, linkBase.indexOf('/v1.0') + '/v1.0'.length)}/$metadata#Collection(contactFolder)`;
    const link = more
      ? {
          '@odata.nextLink': `${linkBase}?$skiptoken=${this.encode('s', { ...state, offset: state.offset + pageSize })}`,
        }
      : { '@odata.deltaLink': `${linkBase}?$deltatoken=${this.encode('d', state)}` };
    return { body: { '@odata.context': context, ...link, value }, headers };
  }

  private allFolders(mailbox: Mailbox, state: FolderRoundState): Entry[] {
    return this.below(mailbox, mailbox.defaultFolder.id).map((folder) => this.item(folder, state));
  }

  /** Folders created or renamed in (afterSeq, uptoSeq], then folders deleted in it, in sequence order. */
  private changes(mailbox: Mailbox, state: FolderRoundState): Entry[] {
    const changed = this.below(mailbox, mailbox.defaultFolder.id)
      .filter((folder) => folder.lastChangeSeq > state.afterSeq && folder.lastChangeSeq <= state.uptoSeq)
      .map((folder) => ({ seq: folder.lastChangeSeq, entry: this.item(folder, state) }));
    const removed = mailbox.deletedFoldersAfter(state.afterSeq, state.uptoSeq).map(({ id, seq }) => ({
      seq,
      entry: { '@odata.type': `#${CONTACT_FOLDER_TYPE_NAME}`, id, '@removed': { reason: 'deleted' } },
    }));
    return [...changed, ...removed].sort((a, b) => a.seq - b.seq).map(({ entry }) => entry);
  }

  /** Every folder below the parent at any depth, parents before their children. */
  private below(mailbox: Mailbox, parentId: string): ContactFolder[] {
    return mailbox.childFolders(parentId).flatMap((folder) => [folder, ...this.below(mailbox, folder.id)]);
  }

  private item(folder: ContactFolder, state: FolderRoundState): Entry {
    const projected = projectContactFolder(folder);
    const entry: Entry = { '@odata.type': `#${CONTACT_FOLDER_TYPE_NAME}` };
    for (const property of state.select ?? CONTACT_FOLDER_PROPERTIES) entry[property] = projected[property];
    entry['id'] = folder.id;
    return entry;
  }

  private encode(kind: 's' | 'd', state: FolderRoundState): string {
    const round = { t: state.tenantId, m: state.userId, e: state.epoch, sel: state.select, k: kind };
    return kind === 's'
      ? encodeOpaqueToken({
          ...round,
          i: state.initial,
          o: state.offset,
          a: state.afterSeq,
          u: state.uptoSeq,
        })
      : encodeOpaqueToken({ ...round, seq: state.uptoSeq });
  }

  private decode(
    token: string,
    current: Pick<FolderRoundState, 'tenantId' | 'userId' | 'epoch'>,
    currentSeq: number,
  ): FolderRoundState {
    const decoded = decodeOpaqueToken(token);
    const invalid = new GraphError(
      400,
      'ErrorInvalidSyncStateData',
      'The sync state data is corrupted or otherwise invalid.',
    );
    const epoch = decoded?.['e'];
    if (
      !decoded ||
      decoded['t'] !== current.tenantId ||
      decoded['m'] !== current.userId ||
      typeof epoch !== 'number' ||
      decoded['f'] !== undefined
    )
      throw invalid;
    if (epoch !== current.epoch) {
      throw new GraphError(
        410,
        'SyncStateNotFound',
        `The sync state generation is not found; generation=${epoch};[highest=${current.epoch}]`,
      );
    }
    const selected = decoded['sel'];
    const select = Array.isArray(selected)
      ? selected.filter((item): item is string => typeof item === 'string')
      : undefined;
    const base = { ...current, select };
    const { i: initial, o: offset, a: afterSeq, u: uptoSeq, seq } = decoded;
    if (
      decoded['k'] === 's' &&
      typeof initial === 'boolean' &&
      typeof offset === 'number' &&
      typeof afterSeq === 'number' &&
      typeof uptoSeq === 'number'
    )
      return { ...base, initial, offset, afterSeq, uptoSeq };
    if (decoded['k'] === 'd' && typeof seq === 'number')
      return { ...base, initial: false, offset: 0, afterSeq: seq, uptoSeq: currentSeq };
    throw invalid;
  }
}
