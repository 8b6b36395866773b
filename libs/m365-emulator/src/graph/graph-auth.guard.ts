import type { EmulatorClock } from '../core/emulator.clock';
import { AccessTokenIssuer } from '../entra/access-token.issuer';
import { GRAPH_RESOURCES } from '../entra/graph-resource.scope';
import { decodeJwt, numberClaim, stringClaim, verifyJwtSignature } from '../entra/jwt.codec';
import type { ResourceUnitThrottle } from '../faults/resource-unit.throttle';
import { queryOption, type EmulatorRequest } from '../http/emulator-request';
import type { GraphCaller } from './graph-caller';
import { GraphError } from './graph.error';
import type { TenantRegistry } from '../state/tenant.registry';

const CLOCK_SKEW_SECONDS = 300;
const WWW_AUTHENTICATE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

/**
 * A revoked CAE token (docs/graph-notes.md §1.8): 401 with a claims challenge asking for a token issued after the
 * revocation event.
 */
function claimsChallenge(revokedAt: number): GraphError {
  const claims = Buffer.from(
    JSON.stringify({ access_token: { nbf: { essential: true, value: String(revokedAt) } } }),
  ).toString('base64');
  return new GraphError(
    401,
    'InvalidAuthenticationToken',
    'Continuous access evaluation resulted in challenge with result: InteractionRequired and code: ' +
      'TokenIssuedBeforeRevocationTimestamp',
    {
      'www-authenticate':
        'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", ' +
        `client_id="00000003-0000-0000-c000-000000000000", error="insufficient_claims", claims="${claims}"`,
    },
  );
}

function invalidToken(message: string): GraphError {
  return new GraphError(401, 'InvalidAuthenticationToken', message, { 'www-authenticate': WWW_AUTHENTICATE });
}

/** Bearer-token validation, resource-unit charging and permission checks shared by every Graph route. */
export class GraphAuthGuard {
  constructor(
    private readonly tenants: TenantRegistry,
    private readonly clock: EmulatorClock,
    private readonly throttle: ResourceUnitThrottle,
  ) {}

  /**
   * Authenticates, charges the directory resource-unit budget, then requires any one of the permissions
   * (Graph documents "least privileged" plus higher-privileged alternatives for each API).
   */
  authorize(request: EmulatorRequest, anyOf: readonly string[]): GraphCaller {
    const caller = this.authenticate(request);
    this.charge(request, caller);
    if (!anyOf.some((permission) => caller.permissions.has(permission)))
      throw GraphError.insufficientPrivileges();
    return caller;
  }

  /**
   * Outlook and subscription APIs are not part of the directory resource-unit budget (docs/graph-notes.md §6)
   * and answer a missing permission with their own error, so they check permissions themselves.
   */
  authorizeUncharged(
    request: EmulatorRequest,
    anyOf: readonly string[],
    denied: () => GraphError,
  ): GraphCaller {
    const caller = this.authenticate(request);
    if (!anyOf.some((permission) => caller.permissions.has(permission))) throw denied();
    return caller;
  }

  authenticate(request: EmulatorRequest): GraphCaller {
    const header = request.headers['authorization'] ?? '';
    const match = /^Bearer\s+(.*)$/i.exec(header.trim());
    const token = match?.[1]?.trim() ?? '';
    if (token === '') throw invalidToken('Access token is empty.');
    const jwt = decodeJwt(token);
    if (!jwt) {
      throw invalidToken(
        "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format. (JWS): 'EncodedHeader.EndcodedPayload.EncodedSignature'. (JWE): 'EncodedProtectedHeader.EncodedEncryptedKey.EncodedInitializationVector.EncodedCiphertext.EncodedAuthenticationTag'.",
      );
    }
    const tenantId = stringClaim(jwt.payload, 'tid') ?? '';
    const tenant = this.tenants.resolve(tenantId);
    const key = tenant?.signingKeys.find(stringClaim(jwt.header, 'kid') ?? '');
    if (!tenant || tenant.id !== tenantId || !key || stringClaim(jwt.header, 'alg') !== 'RS256') {
      throw invalidToken('Access token validation failure. Invalid signature.');
    }
    if (!verifyJwtSignature('RS256', jwt, key.publicKey))
      throw invalidToken('Access token validation failure. Invalid signature.');
    if (stringClaim(jwt.payload, 'iss') !== AccessTokenIssuer.graphIssuer(tenant.id)) {
      throw invalidToken('Access token validation failure. Invalid issuer.');
    }
    const audience = (stringClaim(jwt.payload, 'aud') ?? '').replace(/\/+$/, '');
    if (!GRAPH_RESOURCES.includes(audience))
      throw invalidToken('Access token validation failure. Invalid audience.');
    const now = this.clock.nowSeconds();
    const exp = numberClaim(jwt.payload, 'exp') ?? 0;
    const nbf = numberClaim(jwt.payload, 'nbf') ?? 0;
    if (exp + CLOCK_SKEW_SECONDS < now || nbf - CLOCK_SKEW_SECONDS > now) {
      throw invalidToken('Lifetime validation failed, the token is expired.');
    }
    const roles = jwt.payload['roles'];
    const scopes = stringClaim(jwt.payload, 'scp');
    const delegated = scopes !== undefined;
    const capabilities = jwt.payload['xms_cc'];
    if (!delegated && Array.isArray(capabilities) && capabilities.includes('cp1')) {
      const app = tenant.findApp(stringClaim(jwt.payload, 'appid') ?? '');
      if (app?.revokedTokens.has(stringClaim(jwt.payload, 'uti') ?? '')) throw claimsChallenge(now);
    }
    const permissions = new Set<string>(
      delegated
        ? scopes.split(' ').filter((scope) => scope !== '')
        : Array.isArray(roles)
          ? roles.filter((role): role is string => typeof role === 'string')
          : [],
    );
    return {
      tenant,
      appId: stringClaim(jwt.payload, 'appid') ?? '',
      kind: delegated ? 'delegated' : 'app',
      permissions,
      userId: delegated ? stringClaim(jwt.payload, 'oid') : undefined,
      audience,
    };
  }

  /** Cost rules of docs/graph-notes.md §6: base cost, $select -1, $expand +1, $top < 20 -1, minimum 1. */
  resourceUnitCost(request: EmulatorRequest): number {
    let cost = request.route.resourceUnits ?? 1;
    if (queryOption(request, 'select') !== undefined) cost -= 1;
    if (queryOption(request, 'expand') !== undefined) cost += 1;
    const top = Number(queryOption(request, 'top'));
    if (Number.isFinite(top) && top > 0 && top < 20) cost -= 1;
    return Math.max(1, cost);
  }

  private charge(request: EmulatorRequest, caller: GraphCaller): void {
    const result = this.throttle.charge(
      caller.tenant.id,
      caller.appId,
      caller.tenant.users.size,
      this.resourceUnitCost(request),
    );
    request.responseHeaders['x-ms-resource-unit'] = String(result.cost);
    if (!result.allowed) {
      throw GraphError.tooManyRequests(result.retryAfterSeconds, {
        'x-ms-throttle-scope': `Tenant_Application/ReadOnly/${caller.appId}/${caller.tenant.id}`,
        'x-ms-throttle-information': 'ResourceUnitLimitExceeded',
      });
    }
    if (result.usedFraction >= 0.8) {
      request.responseHeaders['x-ms-throttle-limit-percentage'] = result.usedFraction.toFixed(1);
    }
  }
}
