import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export type ValidationBehaviour = 'echo' | 'fail' | 'wrong-token' | 'slow';

export interface ReceivedNotification {
  readonly path: string;
  readonly body: { value: Record<string, unknown>[] };
}

/**
 * A webhook receiver on http://127.0.0.1 for tests: answers Graph's validation handshake (or misbehaves on
 * purpose), records notification collections per path, and can fail the next deliveries to exercise retries.
 */
export class WebhookReceiver {
  validation: ValidationBehaviour = 'echo';
  /** How many upcoming notification POSTs answer 500. */
  failNext = 0;
  readonly received: ReceivedNotification[] = [];
  validations = 0;

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<WebhookReceiver> {
    const holder: { receiver?: WebhookReceiver } = {};
    const server = createServer((req, res) => {
      void holder.receiver?.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    holder.receiver = new WebhookReceiver(server, `http://127.0.0.1:${port}`);
    return holder.receiver;
  }

  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  notifications(path: string): Record<string, unknown>[] {
    return this.received.filter((entry) => entry.path === path).flatMap((entry) => entry.body.value);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', this.baseUrl);
    const token = url.searchParams.get('validationToken');
    if (token !== null) {
      this.validations += 1;
      await this.answerValidation(token, res);
      return;
    }
    if (this.failNext > 0) {
      this.failNext -= 1;
      res.statusCode = 500;
      res.end();
      return;
    }
    this.received.push({
      path: url.pathname,
      body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReceivedNotification['body'],
    });
    res.statusCode = 202;
    res.end();
  }

  private async answerValidation(token: string, res: ServerResponse): Promise<void> {
    if (this.validation === 'slow') await new Promise((resolve) => setTimeout(resolve, 1_000));
    if (this.validation === 'fail') {
      res.statusCode = 500;
      res.end();
      return;
    }
    res.statusCode = 200;
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.end(this.validation === 'wrong-token' ? 'something else' : token);
  }
}
