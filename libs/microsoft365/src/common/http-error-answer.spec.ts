import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import { httpErrorAnswer } from './http-error-answer';
import { invalidField } from './invalid-input';

/** What Express's body parser hands on: an Error with `status`, `type` and, when too large, the `limit`. */
function bodyParserError(status: number, type: string, message: string, extra: object = {}): Error {
  return Object.assign(new Error(message), { status, statusCode: status, type, expose: true, ...extra });
}

describe('httpErrorAnswer', () => {
  it('keeps the fields of our own 400 and adds nothing else', () => {
    expect(httpErrorAnswer(invalidField('runId', 'runId must be a UUID'))).toMatchObject({
      statusCode: 400,
      code: 'INVALID_INPUT',
      message: 'Validation failed',
      errors: [{ field: 'runId', reasons: ['runId must be a UUID'] }],
    });
  });

  it('names the body for malformed JSON (Nest maps the parser error to a BadRequestException)', () => {
    expect(httpErrorAnswer(new BadRequestException('Unexpected end of JSON input'))).toEqual({
      statusCode: 400,
      code: 'INVALID_INPUT',
      message: 'Unexpected end of JSON input',
      errors: [
        { field: 'body', reasons: ['the request body could not be read: Unexpected end of JSON input'] },
      ],
    });
  });

  it("states the limit of Express's 413 and the 3 MB the module needs", () => {
    const answer = httpErrorAnswer(
      bodyParserError(413, 'entity.too.large', 'request entity too large', { limit: 102_400 }),
    );
    expect(answer).toMatchObject({ statusCode: 413, code: 'REQUEST_TOO_LARGE' });
    expect(answer?.errors?.[0]?.reasons[0]).toMatch(
      /this PBX accepts 100 KB; the Microsoft 365 routes need 3 MB/,
    );
  });

  it("answers Fastify's 413 (an HttpException without a limit) in the same shape", () => {
    const answer = httpErrorAnswer(new HttpException('Request body is too large', 413));
    expect(answer).toMatchObject({ statusCode: 413, code: 'REQUEST_TOO_LARGE', errors: [{ field: 'body' }] });
  });

  it.each([
    [
      bodyParserError(415, 'charset.unsupported', 'unsupported charset "UTF-7"'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [new NotFoundException('Cannot GET /api/microsoft365/nope'), 404, 'NOT_FOUND'],
  ])('maps %p to %p %p', (error, status, code) => {
    expect(httpErrorAnswer(error)).toMatchObject({ statusCode: status, code });
  });

  it('leaves anything else to the caller: bugs, the database, a parser error of its own (5xx)', () => {
    expect(httpErrorAnswer(new Error('boom'))).toBeUndefined();
    expect(httpErrorAnswer(bodyParserError(500, 'stream.encoding.set', 'stream encoding'))).toBeUndefined();
    expect(httpErrorAnswer('not an error')).toBeUndefined();
  });
});
