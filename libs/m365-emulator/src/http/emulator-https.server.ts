import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerTlsMaterial } from '../tls/certificate.authority';
import type { IncomingCall, PipelineOutcome } from './request.pipeline';

const MAX_BODY_BYTES = 200 * 1024 * 1024;

export type CallHandler = (call: IncomingCall) => Promise<PipelineOutcome>;

/**
 * Plain node:https on loopback. It also listens on ::1 (same port, best effort) because some resolvers map
 * "localhost" to the IPv6 address first.
 */
export class EmulatorHttpsServer {
  private constructor(
    private readonly servers: Server[],
    readonly port: number,
  ) {}

  static async start(
    port: number,
    tls: ServerTlsMaterial,
    handler: CallHandler,
  ): Promise<EmulatorHttpsServer> {
    const create = (): Server => {
      const server = createServer({ cert: tls.certificatePem, key: tls.privateKeyPem }, (req, res) => {
        void EmulatorHttpsServer.serve(req, res, handler);
      });
      server.keepAliveTimeout = 5_000;
      return server;
    };
    const primary = create();
    const boundPort = await EmulatorHttpsServer.listen(primary, port, '127.0.0.1');
    const servers = [primary];
    const secondary = create();
    try {
      await EmulatorHttpsServer.listen(secondary, boundPort, '::1');
      servers.push(secondary);
    } catch {
      secondary.close();
    }
    return new EmulatorHttpsServer(servers, boundPort);
  }

  async close(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  }

  private static listen(server: Server, port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : port);
      });
    });
  }

  private static async serve(req: IncomingMessage, res: ServerResponse, handler: CallHandler): Promise<void> {
    try {
      const body = await EmulatorHttpsServer.readBody(req);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined)
          headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      }
      const outcome = await handler({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers,
        body,
        viaBatch: false,
      });
      if (outcome.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      const { response } = outcome;
      res.statusCode = response.status;
      for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
      res.end(response.body ?? undefined);
    } catch (error) {
      if (!res.headersSent) {
        res.statusCode = 500;
        res.setHeader('content-type', 'application/json');
      }
      res.end(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
    }
  }

  private static readBody(req: IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          reject(new Error('Request body too large'));
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }
}
