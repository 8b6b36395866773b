import { randomUUID } from 'node:crypto';
import { GraphError } from '../graph.error';
import type { WebhookClient } from './webhook.client';

function validationFailed(message: string): GraphError {
  return new GraphError(400, 'ValidationError', `Subscription validation request failed. ${message}`);
}

/**
 * The validation handshake (docs/graph-notes.md §9): POST {url}?validationToken=... with text/plain; the
 * endpoint must answer 200, text/plain, with the URL-decoded token, within the timeout. Otherwise the create
 * fails with 400.
 */
export class NotificationUrlValidator {
  constructor(
    private readonly client: WebhookClient,
    private readonly timeoutMs: () => number,
  ) {}

  async validate(url: string): Promise<void> {
    // Graph's tokens contain spaces and colons, so receivers that forget to URL-decode fail here too.
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const target = `${url}${url.includes('?') ? '&' : '?'}validationToken=${encodeURIComponent(token)}`;
    const outcome = await this.client.post(target, '', 'text/plain; charset=utf-8', this.timeoutMs());
    if (outcome.kind === 'timeout')
      throw new GraphError(400, 'InvalidRequest', 'Subscription validation request timed out.');
    if (outcome.kind === 'unreachable' || outcome.status !== 200)
      throw validationFailed('Notification endpoint must respond with 200 OK to validation request.');
    if (!/^text\/plain/i.test(outcome.contentType))
      throw validationFailed('Response must be of content type text/plain.');
    if (outcome.body !== token)
      throw validationFailed('Response must exactly match validationToken query parameter.');
  }
}
