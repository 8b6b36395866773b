import type { RouteFamily } from '../../emulator.context';
import {
  CONTACT_PROPERTIES,
  CONTACT_TYPE_NAME,
  projectContact,
  projectContactFolder,
} from './contact.resource';
import { ContactDeltaEngine } from './contact-delta.engine';
import { ContactFolderDeltaEngine } from './contact-folder-delta.engine';
import { MailboxAccess, type MailboxTarget } from './mailbox.access';
import { itemNotFound } from './outlook.errors';
import {
  pageOutlookCollection,
  parseOutlookSelect,
  rejectUnsupportedOptions,
  requireOutlookId,
} from './outlook-query';
import { requireParam, type EmulatorRequest } from '../../http/emulator-request';
import { odataResponse, type EmulatorResponse } from '../../http/emulator-response';
import type { ContactFolder } from '../../state/mailbox/contact-folder';
import type { MailboxContact } from '../../state/mailbox/mailbox-contact';
import { asOutlookRoutes } from '../../http/route-definition';

/** Application permissions for reading contacts (docs/graph-notes.md §7). */
export const CONTACT_READ_PERMISSIONS: readonly string[] = ['Contacts.Read', 'Contacts.ReadWrite'];

const LIST_OPTIONS = ['top', 'skip', 'select'];

function folderOf(target: MailboxTarget, request: EmulatorRequest): ContactFolder {
  const folder = target.mailbox().folder(requireOutlookId(requireParam(request, 'folderId')));
  if (!folder) throw itemNotFound();
  return folder;
}

function contactOf(target: MailboxTarget, request: EmulatorRequest, folder?: ContactFolder): MailboxContact {
  const contact = target.mailbox().contact(requireOutlookId(requireParam(request, 'contactId')));
  if (!contact || (folder && contact.folderId !== folder.id)) throw itemNotFound();
  return contact;
}

function listFolders(
  request: EmulatorRequest,
  folders: ContactFolder[],
  contextUrl: string,
): EmulatorResponse {
  rejectUnsupportedOptions(request, ['top', 'skip']);
  const page = pageOutlookCollection(request, folders);
  return odataResponse(
    200,
    {
      '@odata.context': contextUrl,
      value: page.items.map(projectContactFolder),
      ...(page.nextLink ? { '@odata.nextLink': page.nextLink } : {}),
    },
    page.headers,
  );
}

function listContacts(request: EmulatorRequest, folder: ContactFolder, contextUrl: string): EmulatorResponse {
  rejectUnsupportedOptions(request, LIST_OPTIONS);
  const select = parseOutlookSelect(request, CONTACT_PROPERTIES, CONTACT_TYPE_NAME);
  const page = pageOutlookCollection(request, folder.contacts);
  return odataResponse(
    200,
    {
      '@odata.context': select ? `${contextUrl}(${select.join(',')})` : contextUrl,
      value: page.items.map((contact) => projectContact(contact, select)),
      ...(page.nextLink ? { '@odata.nextLink': page.nextLink } : {}),
    },
    page.headers,
  );
}

function singleContact(
  request: EmulatorRequest,
  contact: MailboxContact,
  contextUrl: string,
): EmulatorResponse {
  rejectUnsupportedOptions(request, ['select']);
  const select = parseOutlookSelect(request, CONTACT_PROPERTIES, CONTACT_TYPE_NAME);
  return odataResponse(200, {
    '@odata.context': `${contextUrl}/$entity`,
    ...projectContact(contact, select),
  });
}

/**
 * Contacts and contact folders of any mailbox (docs/graph-notes.md §7): /contactFolders lists the folders
 * below the default Contacts folder, childFolders works at any depth, contactFolders/delta tracks the folder
 * tree, /contacts is the default folder, and each folder has its own contacts/delta.
 */
export const contactsRoutes: RouteFamily = (context) => {
  const access = new MailboxAccess(context);
  const delta = new ContactDeltaEngine();
  const folderDelta = new ContactFolderDeltaEngine();
  const read =
    (handler: (target: MailboxTarget, request: EmulatorRequest) => EmulatorResponse) =>
    (request: EmulatorRequest) =>
      access.run(request, CONTACT_READ_PERMISSIONS, (target) => handler(target, request));
  const usersContext = (request: EmulatorRequest): string =>
    `${context.urls.graphBaseUrl}/$metadata#users('${encodeURIComponent(requireParam(request, 'id'))}')`;
  const userBase = (target: MailboxTarget): string => `${context.urls.graphBaseUrl}/users/${target.user.id}`;
  return asOutlookRoutes([
    {
      method: 'GET',
      path: '/v1.0/users/{id}/contactFolders',
      kind: 'graph',
      handler: read((target, request) => {
        const mailbox = target.mailbox();
        return listFolders(
          request,
          mailbox.childFolders(mailbox.defaultFolder.id),
          `${usersContext(request)}/contactFolders`,
        );
      }),
    },
    {
      method: 'GET',
      path: '/v1.0/users/{id}/contactFolders/delta',
      kind: 'graph',
      handler: read((target, request) => {
        const page = folderDelta.handle(
          request,
          target.caller,
          target.mailbox(),
          `${userBase(target)}/contactFolders/delta`,
        );
        return odataResponse(200, page.body, page.headers);
      }),
    },
    {
      method: 'GET',
      path: '/v1.0/users/{id}/contactFolders/{folderId}',
      kind: 'graph',
      handler: read((target, request) =>
        odataResponse(200, {
          '@odata.context': `${usersContext(request)}/contactFolders/$entity`,
          ...projectContactFolder(folderOf(target, request)),
        }),
      ),
    },
    {
      method: 'GET',
      path: '/v1.0/users/{id}/contactFolders/{folderId}/childFolders',
      kind: 'graph',
      handler: read((target, request) => {
        const folder = folderOf(target, request);
        return listFolders(
          request,
          target.mailbox().childFolders(folder.id),
          `${usersContext(request)}/contactFolders('${folder.id}')/childFolders`,
        );
      }),
    },
    {
      method: 'GET',
      path: '/v1.0/users/{id}/contactFolders/{folderId}/contacts',
      kind: 'graph',
      handler: read((target, request) => {
        const folder = folderOf(target, request);
        return listContacts(
          request,
          folder,
          `${usersContext(request)}/contactFolders('${folder.id}')/contacts`,
        );
      }),
    },
    {
      method: 'GET',
      path: '/v1.0/users/{id}/contactFolders/{folderId}/contacts/delta',
      kind: 'graph',
      handler: read((target, request) => {
        const folder = folderOf(target, request);
        const page = delta.handle(
          request,
          target.caller.tenant,
          target.mailbox(),
          folder,
          `${userBase(target)}/contactFolders/${encodeURIComponent(folder.id)}/contacts/delta`,
        );
        return odataResponse(200, page.body, page.headers);
      }),
    },
    {
      method: 'GET',
      path: '/v1.0/users/{id}/contactFolders/{folderId}/contacts/{contactId}',
      kind: 'graph',
      handler: read((target, request) => {
        const folder = folderOf(target, request);
        return singleContact(
          request,
          contactOf(target, request, folder),
          `${usersContext(request)}/contactFolders('${folder.id}')/contacts`,
        );
      }),
    },
    {
      method: 'GET',
      path: '/v1.0/users/{id}/contacts',
      kind: 'graph',
      handler: read((target, request) =>
        listContacts(request, target.mailbox().defaultFolder, `${usersContext(request)}/contacts`),
      ),
    },
    {
      method: 'GET',
      path: '/v1.0/users/{id}/contacts/delta',
      kind: 'graph',
      handler: read((target, request) => {
        const mailbox = target.mailbox();
        const page = delta.handle(
          request,
          target.caller.tenant,
          mailbox,
          mailbox.defaultFolder,
          `${userBase(target)}/contacts/delta`,
        );
        return odataResponse(200, page.body, page.headers);
      }),
    },
    {
      method: 'GET',
      path: '/v1.0/users/{id}/contacts/{contactId}',
      kind: 'graph',
      handler: read((target, request) =>
        singleContact(request, contactOf(target, request), `${usersContext(request)}/contacts`),
      ),
    },
  ]);
};
