import { GraphError } from '../graph.error';

/** Exchange answers a missing Mail/Contacts/Calendars permission with ErrorAccessDenied, not the directory code. */
export function outlookAccessDenied(): GraphError {
  return new GraphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
}

/** An application access policy that excludes the mailbox (docs/graph-notes.md §7). */
export function accessPolicyDenied(): GraphError {
  return new GraphError(403, 'ErrorAccessDenied', 'Access to OData is disabled.');
}

export function invalidUser(idOrUpn: string): GraphError {
  return new GraphError(404, 'ErrorInvalidUser', `The requested user '${idOrUpn}' is invalid.`);
}

/** No Exchange Online licence, a guest, or an on-premises mailbox (docs/graph-notes.md §10). */
export function mailboxNotEnabled(): GraphError {
  return new GraphError(
    404,
    'MailboxNotEnabledForRESTAPI',
    'The mailbox is either inactive, soft-deleted, or is hosted on-premise.',
  );
}

export function itemNotFound(): GraphError {
  return new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
}

export function idMalformed(): GraphError {
  return new GraphError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
}

export function invalidParameter(message: string): GraphError {
  return new GraphError(400, 'ErrorInvalidParameter', message);
}

/** Outlook's OData URI parser error for unknown $select properties and unsupported options. */
export function invalidUrlQuery(message: string): GraphError {
  return new GraphError(400, 'RequestBroker--ParseUri', message);
}

export function mailboxThrottled(limit: 'concurrency' | 'requests', retryAfterSeconds: number): GraphError {
  return new GraphError(
    429,
    'ApplicationThrottled',
    limit === 'concurrency'
      ? 'Application is over its MailboxConcurrency limit.'
      : 'Application is over its MailboxRequestCount limit.',
    { 'retry-after': String(retryAfterSeconds) },
  );
}
