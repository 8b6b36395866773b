import { BadRequestException, PayloadTooLargeException } from '@nestjs/common';
import { type IncomingMessage } from 'node:http';

/**
 * Reads a raw request body of at most `limit` bytes. Used where the body is not JSON (photo uploads), without
 * installing a body parser for every route.
 *
 * A declared Content-Length over the limit is refused before reading. A body that grows over the limit while
 * streaming is read to its end and discarded, so that the client gets the 413 instead of a reset connection.
 */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => new PayloadTooLargeException(`The body may be at most ${limit} bytes`);
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
      }
    });
    request.once('error', reject);
    request.once('end', () => {
      if (size > limit) {
        reject(tooLarge());
      } else if (size === 0) {
        reject(new BadRequestException('The body is empty'));
      } else {
        resolve(Buffer.concat(chunks));
      }
    });
  });
}
