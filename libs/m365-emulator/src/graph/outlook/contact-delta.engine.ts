import { decodeOpaqueToken, encodeOpaqueToken } from '../../core/base64url';
import { GraphError } from '../graph.error';
import { CONTACT_PROPERTIES, CONTACT_TYPE_NAME, projectContact } from './contact.resource';
import { parseOutlookSelect, preferredMaxPageSize, rejectUnsupportedOptions } from './outlook-query';
import { queryOption, type EmulatorRequest } from '../../http/emulator-request';
import type { ContactFolder } from '../../state/mailbox/contact-folder';
import type { Mailbox } from '../../state/mailbox/mailbox';
import type { TenantState } from '../../state/tenant.state';

/** Contacts delta pages hold at most 200 items, also the size without a Prefer header (not verified, README). */
export const CONTACT_DELTA_MAX_PAGE_SIZE = 200;

interface RoundState {
  readonly tenantId: string;
  readonly userId: string;
  readonly folderId: string;
  readonly epoch: number;
  readonly select: string[] | undefined;
}

interface PageState extends RoundState {
  readonly initial: boolean;
  /** Initial round: ordinal to resume from; change rounds: last walked sequence. */
  readonly cursor: number;
  readonly uptoSeq: number;
}

export interface ContactDeltaPage {
  readonly body: Record<string, unknown>;
  readonly headers: Record<string, string>;
}

/**
 * Per-folder contacts/delta (docs/graph-notes.md §7). The first round lists the folder's contacts; a
 * deltaLink stores the mailbox sequence number, so the next round walks only the folder's change log after it
 * and emits each contact once (its latest change) or as {"@removed":{"reason":"deleted"}}. Outlook tokens
 * have no fixed lifetime; expireDeltaTokens (the tenant epoch) expires them with 410 SyncStateNotFound
 * (docs/graph-notes.md §3.2).
 */
export class ContactDeltaEngine {
  handle(
    request: EmulatorRequest,
    tenant: TenantState,
    mailbox: Mailbox,
    folder: ContactFolder,
    linkBase: string,
  ): ContactDeltaPage {
    rejectUnsupportedOptions(request, ['select', 'deltatoken', 'skiptoken']);
    const preferred = preferredMaxPageSize(request);
    const pageSize = Math.min(preferred ?? CONTACT_DELTA_MAX_PAGE_SIZE, CONTACT_DELTA_MAX_PAGE_SIZE);
    const headers: Record<string, string> =
      preferred === undefined ? {} : { 'preference-applied': `odata.maxpagesize=${pageSize}` };
    const token = queryOption(request, 'skiptoken') ?? queryOption(request, 'deltatoken');
    const base: RoundState = {
      tenantId: tenant.id,
      userId: mailbox.userId,
      folderId: folder.id,
      epoch: tenant.deltaTokenEpoch,
      select: parseOutlookSelect(request, CONTACT_PROPERTIES, CONTACT_TYPE_NAME),
    };
    let state: PageState;
    if (token === undefined) {
      state = { ...base, initial: true, cursor: 0, uptoSeq: mailbox.currentSeq };
    } else {
      const decoded = this.decode(token, base);
      state =
        decoded.kind === 'page'
          ? decoded.state
          : { ...decoded.state, initial: false, cursor: decoded.seq, uptoSeq: mailbox.currentSeq };
    }
    const body = state.initial
      ? this.initialPage(folder, state, pageSize, linkBase)
      : this.changesPage(mailbox, folder, state, pageSize, linkBase);
    return { body, headers };
  }

  private initialPage(
    folder: ContactFolder,
    state: PageState,
    pageSize: number,
    linkBase: string,
  ): Record<string, unknown> {
    const value: Record<string, unknown>[] = [];
    for (const contact of folder.contacts) {
      if (contact.ordinal < state.cursor) continue;
      if (value.length === pageSize)
        return this.nextPage(value, { ...state, cursor: contact.ordinal }, linkBase);
      value.push(this.item(projectContact(contact, state.select)));
    }
    return this.finalPage(value, state, linkBase);
  }

  private changesPage(
    mailbox: Mailbox,
    folder: ContactFolder,
    state: PageState,
    pageSize: number,
    linkBase: string,
  ): Record<string, unknown> {
    const value: Record<string, unknown>[] = [];
    for (const entry of folder.changes.entries(state.cursor, state.uptoSeq)) {
      const contact = mailbox.contact(entry.id);
      let emitted: Record<string, unknown> | undefined;
      if (contact && contact.folderId === folder.id) {
        if (contact.lastChangeSeq === entry.seq) emitted = this.item(projectContact(contact, state.select));
      } else if (folder.tombstones.get(entry.id) === entry.seq) {
        emitted = { '@odata.type': `#${CONTACT_TYPE_NAME}`, id: entry.id, '@removed': { reason: 'deleted' } };
      }
      if (!emitted) continue;
      value.push(emitted);
      if (value.length === pageSize) return this.nextPage(value, { ...state, cursor: entry.seq }, linkBase);
    }
    return this.finalPage(value, state, linkBase);
  }

  private item(projected: Record<string, unknown>): Record<string, unknown> {
    return { '@odata.type': `#${CONTACT_TYPE_NAME}`, ...projected };
  }

  private nextPage(
    value: Record<string, unknown>[],
    state: PageState,
    linkBase: string,
  ): Record<string, unknown> {
    const token = encodeOpaqueToken({
      k: 's',
      ...this.round(state),
      i: state.initial,
      c: state.cursor,
      u: state.uptoSeq,
    });
    return {
      '@odata.context': `${this.contextBase(linkBase)}/$metadata#Collection(contact)`,
      '@odata.nextLink': `${linkBase}?$skiptoken=${token}`,
      value,
    };
  }

  private finalPage(
    value: Record<string, unknown>[],
    state: PageState,
    linkBase: string,
  ): Record<string, unknown> {
    const token = encodeOpaqueToken({ k: 'd', ...this.round(state), seq: state.uptoSeq });
    return {
      '@odata.context': `${this.contextBase(linkBase)}/$metadata#Collection(contact)`,
      '@odata.deltaLink': `${linkBase}?$deltatoken=${token}`,
      value,
    };
  }

  private contextBase(linkBase: string): string {
    return linkBase.slice(0, linkBase.indexOf('/v1.0') + '/v1.0'.length);
  }

  private round(state: RoundState): Record<string, unknown> {
    return { t: state.tenantId, m: state.userId, f: state.folderId, e: state.epoch, sel: state.select };
  }

  private decode(
    token: string,
    current: RoundState,
  ): { kind: 'page'; state: PageState } | { kind: 'link'; state: RoundState; seq: number } {
    const decoded = decodeOpaqueToken(token);
    const epoch = decoded?.['e'];
    if (
      !decoded ||
      decoded['t'] !== current.tenantId ||
      decoded['m'] !== current.userId ||
      decoded['f'] !== current.folderId ||
      typeof epoch !== 'number'
    ) {
      throw new GraphError(
        400,
        'ErrorInvalidSyncStateData',
        'The sync state data is corrupted or otherwise invalid.',
      );
    }
    if (epoch !== current.epoch) {
      throw new GraphError(
        410,
        'SyncStateNotFound',
        `The sync state generation is not found; generation=${epoch};[highest=${current.epoch}]`,
      );
    }
    const selected = decoded['sel'];
    const round: RoundState = {
      ...current,
      select: Array.isArray(selected)
        ? selected.filter((item): item is string => typeof item === 'string')
        : undefined,
    };
    const cursor = decoded['c'];
    const upto = decoded['u'];
    const seq = decoded['seq'];
    if (decoded['k'] === 's' && typeof cursor === 'number' && typeof upto === 'number')
      return { kind: 'page', state: { ...round, initial: decoded['i'] === true, cursor, uptoSeq: upto } };
    if (decoded['k'] === 'd' && typeof seq === 'number') return { kind: 'link', state: round, seq };
    throw new GraphError(
      400,
      'ErrorInvalidSyncStateData',
      'The sync state data is corrupted or otherwise invalid.',
    );
  }
}
