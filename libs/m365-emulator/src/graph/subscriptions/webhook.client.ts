import { rootCertificates } from 'node:tls';
import { Agent, fetch } from 'undici';

export type WebhookOutcome =
  | {
      readonly kind: 'answered';
      readonly status: number;
      readonly contentType: string;
      readonly body: string;
    }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'unreachable'; readonly reason: string };

/** Only loopback receivers: the emulator must never call out of the machine. */
export function isLoopbackUrl(url: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]', '::1'].includes(url.hostname.toLowerCase());
}

/** POSTs to webhook receivers (validation handshakes, notifications, lifecycle events) with a hard timeout. */
export class WebhookClient {
  private readonly agent: Agent;

  constructor(trustedCaPem: readonly string[]) {
    this.agent = new Agent({
      connect: { ca: [...rootCertificates, ...trustedCaPem] },
      keepAliveTimeout: 1_000,
    });
  }

  async post(url: string, body: string, contentType: string, timeoutMs: number): Promise<WebhookOutcome> {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body,
        dispatcher: this.agent,
        redirect: 'manual',
        signal,
      });
      const text = await response.text();
      return {
        kind: 'answered',
        status: response.status,
        contentType: response.headers.get('content-type') ?? '',
        body: text,
      };
    } catch (error) {
      if (signal.aborted) return { kind: 'timeout' };
      return { kind: 'unreachable', reason: error instanceof Error ? error.message : String(error) };
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
