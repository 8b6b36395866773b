import { type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import { parseClaimsChallenge, TenantAuthenticationMiddleware } from './tenant-authentication.middleware';
import { type TenantTokenService } from './tenant-token.service';

const CHALLENGE_CLAIMS = '{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}';
const challenge =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", ' +
  `error="insufficient_claims", claims="${Buffer.from(CHALLENGE_CLAIMS).toString('base64')}"`;

const refused = (headers: Record<string, string> = {}, code = 'InvalidAuthenticationToken') =>
  new Response(JSON.stringify({ error: { code, message: 'refused' } }), { status: 401, headers });

/** Answers each attempt with the next response and records the Authorization header it was sent with. */
function graphAnswering(...responses: Response[]): Middleware & { sent: (string | null)[] } {
  const sent: (string | null)[] = [];
  return {
    sent,
    execute: (context: Context) => {
      sent.push(new Headers(context.options?.headers).get('authorization'));
      context.response = responses.shift() ?? new Response('{}', { status: 200 });
      return Promise.resolve();
    },
  };
}

function tokens(): jest.Mocked<Pick<TenantTokenService, 'getToken' | 'renew'>> {
  return {
    getToken: jest.fn().mockResolvedValue({ accessToken: 'old' }),
    renew: jest.fn().mockResolvedValue({ accessToken: 'new' }),
  };
}

async function send(
  graph: Middleware,
  tokenService: ReturnType<typeof tokens>,
  request = 'https://graph.example/v1.0/users',
): Promise<Context> {
  const middleware = new TenantAuthenticationMiddleware(
    'tenant-1',
    'graph.example',
    tokenService as unknown as TenantTokenService,
  );
  middleware.setNext(graph);
  const context: Context = { request, options: { method: 'GET', headers: { 'x-keep': 'yes' } } };
  await middleware.execute(context);
  return context;
}

describe(TenantAuthenticationMiddleware.name, () => {
  it('renews the token once on a claims challenge, passing the challenge claims to Entra', async () => {
    const graph = graphAnswering(refused({ 'www-authenticate': challenge }));
    const service = tokens();
    const context = await send(graph, service);
    expect(graph.sent).toEqual(['Bearer old', 'Bearer new']);
    expect(service.renew).toHaveBeenCalledWith('tenant-1', 'old', CHALLENGE_CLAIMS);
    expect((context.response as Response).status).toBe(200);
  });

  it('renews on a plain InvalidAuthenticationToken, and a second refusal is the answer (no third try)', async () => {
    const graph = graphAnswering(refused(), refused());
    const service = tokens();
    const context = await send(graph, service);
    expect(graph.sent).toEqual(['Bearer old', 'Bearer new']);
    expect(service.renew).toHaveBeenCalledWith('tenant-1', 'old', undefined);
    expect((context.response as Response).status).toBe(401);
  });

  it('leaves other 401s and other answers alone', async () => {
    for (const response of [refused({}, 'Unauthorized'), new Response('not json', { status: 401 })]) {
      const graph = graphAnswering(response);
      const service = tokens();
      await send(graph, service);
      expect(graph.sent).toEqual(['Bearer old']);
      expect(service.renew).not.toHaveBeenCalled();
    }
  });

  it('never sends the token to a host other than Graph', async () => {
    const graph = graphAnswering();
    const service = tokens();
    await send(graph, service, 'https://elsewhere.example/v1.0/users?$skiptoken=x');
    expect(graph.sent).toEqual([null]);
    expect(service.getToken).not.toHaveBeenCalled();
  });

  it.each([
    ['no header', null, undefined],
    ['another error', 'Bearer error="invalid_token"', undefined],
    ['a challenge', challenge, CHALLENGE_CLAIMS],
    ['unreadable claims', 'Bearer error="insufficient_claims", claims="!!!"', undefined],
  ])('parses %s', (_case, header, expected) => {
    expect(parseClaimsChallenge(header)).toBe(expected);
  });
});
