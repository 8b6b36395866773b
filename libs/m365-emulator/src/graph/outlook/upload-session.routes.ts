import type { EmulatorContext, RouteFamily } from '../../emulator.context';
import { GraphError } from '../graph.error';
import { requireParam, type EmulatorRequest } from '../../http/emulator-request';
import { emptyResponse, jsonResponse, type EmulatorResponse } from '../../http/emulator-response';
import type { UploadSession } from './upload-session.registry';

/** "Upload bytes ... up to 4 MB each time" (attachment-createuploadsession). */
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024;

const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+)$/i;

function rangeError(status: number, code: string, innerCode: string, message: string): GraphError {
  return new GraphError(status, code, message, {}, { code: innerCode });
}

function sessionOf(context: EmulatorContext, request: EmulatorRequest): UploadSession {
  const segment = requireParam(request, 'session');
  const id = /^AttachmentSessions\('([^']+)'\)$/i.exec(segment)?.[1] ?? '';
  const session = context.uploadSessions.find(id);
  if (
    !session ||
    session.expiresAt < context.clock.now() ||
    request.url.searchParams.get('authtoken') !== session.authToken
  ) {
    throw rangeError(404, 'itemNotFound', 'uploadSessionNotFound', 'Upload session not found.');
  }
  return session;
}

/**
 * PUT {uploadUrl}: the pre-authenticated Outlook upload URL (no Authorization header, docs/graph-notes.md
 * §10). Chunks must arrive in order, without overlap, at most 4 MB each; the last one attaches the file to
 * the draft and answers 201 with a Location header.
 */
function putChunk(context: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  if (request.headers['authorization'] !== undefined) {
    throw new GraphError(
      401,
      'InvalidAuthenticationToken',
      'The upload URL is pre-authenticated; do not send an Authorization header.',
    );
  }
  const session = sessionOf(context, request);
  const match = CONTENT_RANGE.exec(request.headers['content-range'] ?? '');
  if (!match)
    throw rangeError(
      400,
      'invalidRequest',
      'invalidRange',
      'The Content-Range header is missing or malformed.',
    );
  const [start, end, total] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (total !== session.size) {
    throw rangeError(
      400,
      'invalidRequest',
      'fragmentLengthMismatch',
      'Declared total size for this fragment is different from that of the upload session.',
    );
  }
  if (end < start || end >= total || request.body.length !== end - start + 1) {
    throw rangeError(
      400,
      'invalidRequest',
      'invalidRange',
      'The Content-Range does not match the request body length.',
    );
  }
  if (request.body.length > MAX_CHUNK_BYTES)
    throw rangeError(
      413,
      'invalidRequest',
      'maxFragmentLengthExceeded',
      'Max fragment length exceeded (4 MB).',
    );
  if (start < session.nextOffset)
    throw rangeError(
      416,
      'invalidRange',
      'fragmentOverlap',
      'Uploaded fragment overlaps with existing data.',
    );
  if (start > session.nextOffset)
    throw rangeError(416, 'invalidRange', 'fragmentOutOfOrder', 'Uploaded fragment is out of order.');
  session.chunks.push(Buffer.from(request.body));
  session.nextOffset = end + 1;
  if (session.nextOffset < session.size) {
    return jsonResponse(200, {
      '@odata.context': `${context.urls.baseUrl}/api/v2.0/$metadata#Users('${session.userId}@${session.tenantId}')/Messages('${session.messageId}')/AttachmentSessions/$entity`,
      expirationDateTime: new Date(session.expiresAt).toISOString(),
      nextExpectedRanges: [String(session.nextOffset)],
    });
  }
  context.uploadSessions.close(session.id);
  const tenant = context.tenants.resolve(session.tenantId);
  const user = tenant?.users.find(session.userId);
  const mailbox = tenant && user ? tenant.mailboxes.open(user) : undefined;
  const draft = mailbox?.drafts.get(session.messageId);
  if (!mailbox || !draft)
    throw rangeError(404, 'itemNotFound', 'itemNotFound', 'The draft message no longer exists.');
  const attachmentId = mailbox.newItemId();
  draft.attachments.push({
    id: attachmentId,
    name: session.name,
    contentType: session.contentType,
    isInline: session.isInline,
    bytes: Buffer.concat(session.chunks),
  });
  return emptyResponse(201, {
    location: `${context.urls.baseUrl}/api/v2.0/Users('${session.userId}@${session.tenantId}')/Messages('${session.messageId}')/Attachments('${attachmentId}')`,
    'content-length': '0',
  });
}

/** The uploadUrl lives outside /v1.0, like Outlook's outlook.office.com URL, and needs no bearer token. */
export const uploadSessionRoutes: RouteFamily = (context) => [
  {
    method: 'PUT',
    path: '/api/v2.0/{owner}/{message}/{session}',
    kind: 'graph',
    handler: (request) => putChunk(context, request),
  },
];
