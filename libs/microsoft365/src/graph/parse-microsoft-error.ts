import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception, type MicrosoftErrorDetails } from '../common/microsoft365.exception';

/** A Microsoft failure reduced to the facts we classify on, whatever library reported it. */
export interface MicrosoftFailure {
  source: 'token' | 'graph';
  status?: number;
  /** Graph `error.code` or the OAuth `error`. */
  code?: string;
  message?: string;
  requestId?: string;
  clientRequestId?: string;
  retryAfter?: string | null;
  /** Node/undici error code of a transport failure (ECONNRESET, UND_ERR_CONNECT_TIMEOUT, ...). */
  networkCode?: string;
  timedOut?: boolean;
}

const ENTRA_CERTIFICATES_HINT =
  'In the Entra admin center open App registrations → your app → Certificates & secrets → Certificates';

/** Classifies a Microsoft failure and says, in plain words, what the PBX admin should do about it. */
export function toMicrosoft365Exception(failure: MicrosoftFailure): Microsoft365Exception {
  const aadsts = parseAadsts(failure.message);
  const microsoft: MicrosoftErrorDetails = stripUndefined({
    status: failure.status,
    code: failure.code ?? failure.networkCode,
    aadsts,
    requestId: failure.requestId,
    clientRequestId: failure.clientRequestId,
    retryAfterSeconds: parseRetryAfter(failure.retryAfter),
  });
  const exception = (code: Microsoft365ErrorCode, message: string, action: string): Microsoft365Exception =>
    new Microsoft365Exception(code, message, { action, microsoft });

  if (failure.timedOut || failure.networkCode) {
    return exception(
      Microsoft365ErrorCode.Unavailable,
      failure.timedOut
        ? `Microsoft ${failure.source === 'token' ? 'Entra ID' : 'Graph'} did not answer in time`
        : `Could not reach Microsoft ${failure.source === 'token' ? 'Entra ID' : 'Graph'} (${failure.networkCode})`,
      'Check the PBX server can reach Microsoft (DNS, firewall, proxy settings). The next run retries by itself.',
    );
  }
  if (failure.status === 429) {
    return exception(
      Microsoft365ErrorCode.Throttled,
      'Microsoft is throttling requests from this application',
      'Nothing to change: the PBX waits as Microsoft asks and retries. Persistent throttling means another ' +
        'application shares this app registration or tenant budget.',
    );
  }
  if (failure.status !== undefined && failure.status >= 500) {
    return exception(
      Microsoft365ErrorCode.Unavailable,
      `Microsoft answered ${failure.status}${failure.code ? ` (${failure.code})` : ''}`,
      'A temporary problem at Microsoft; the PBX retries. If it lasts, check the Microsoft 365 service health page.',
    );
  }
  return failure.source === 'token'
    ? classifyTokenFailure(failure, aadsts, exception)
    : classifyGraphFailure(failure, exception);
}

type ExceptionFactory = (
  code: Microsoft365ErrorCode,
  message: string,
  action: string,
) => Microsoft365Exception;

function classifyTokenFailure(
  failure: MicrosoftFailure,
  aadsts: number | undefined,
  exception: ExceptionFactory,
): Microsoft365Exception {
  switch (aadsts) {
    case 90002:
    case 900023:
      return exception(
        Microsoft365ErrorCode.DirectoryNotFound,
        'Entra ID does not know this directory (tenant) id',
        "Copy the Directory (tenant) ID from your app registration's Overview page in the Entra admin center " +
          'and check the cloud (Global, US Government or China) matches your tenant.',
      );
    case 700016:
      return exception(
        Microsoft365ErrorCode.ApplicationNotFound,
        'No application with this application (client) id exists in the directory',
        "Copy the Application (client) ID from your app registration's Overview page, and check the app is " +
          'registered in the same tenant as the directory id.',
      );
    case 7000112:
      return exception(
        Microsoft365ErrorCode.ApplicationNotFound,
        'The application is disabled in Entra ID',
        'Enable the app registration (Enterprise applications → your app → Properties → Enabled for users to sign in).',
      );
    case 700027:
    case 7000274:
    case 50012:
    case 50013:
    case 50027:
    case 1000502:
      if (/expired|outside.*validity/i.test(failure.message ?? '') || aadsts === 1000502) {
        return exception(
          Microsoft365ErrorCode.CertificateExpired,
          'The certificate registered in Entra ID has expired',
          `Generate a new key pair in the PBX, then upload its public_key.pem: ${ENTRA_CERTIFICATES_HINT} → Upload certificate.`,
        );
      }
      return exception(
        Microsoft365ErrorCode.CertificateNotRegistered,
        'The app registration does not have the PBX certificate',
        `Download public_key.pem from the PBX and upload it: ${ENTRA_CERTIFICATES_HINT} → Upload certificate.`,
      );
    case 700024:
      return exception(
        Microsoft365ErrorCode.AuthenticationFailed,
        'Entra ID refused the sign-in assertion as outside its valid time range',
        'Check the PBX server clock (NTP): it must be within a few minutes of the real time.',
      );
    case 70011:
    case 700022:
    case 500011:
      return exception(
        Microsoft365ErrorCode.AuthenticationFailed,
        'Entra ID refused the requested Microsoft Graph scope',
        'Check that the cloud setting (Global, US Government, China) matches the tenant the app is registered in.',
      );
    default:
      return exception(
        Microsoft365ErrorCode.AuthenticationFailed,
        `Entra ID refused to issue a token${aadsts ? ` (AADSTS${aadsts})` : failure.code ? ` (${failure.code})` : ''}`,
        'Check the application id, directory id and certificate in the PBX against the app registration in Entra.',
      );
  }
}

function classifyGraphFailure(failure: MicrosoftFailure, exception: ExceptionFactory): Microsoft365Exception {
  const code = failure.code ?? '';
  if (/^MailboxNotEnabledForRESTAPI$|^MailboxNotSupportedForRESTAPI$/i.test(code)) {
    return exception(
      Microsoft365ErrorCode.MailboxNotEnabled,
      'The mailbox is not an Exchange Online mailbox (no licence, or hosted on-premises)',
      'Assign an Exchange Online licence to the user, or exclude the user from this feature.',
    );
  }
  if (
    failure.status === 410 ||
    /syncStateNotFound|resyncRequired|InvalidDeltaToken|syncStateInvalid/i.test(code)
  ) {
    return exception(
      Microsoft365ErrorCode.DeltaExpired,
      'The stored delta link is no longer valid',
      'Nothing to do: the PBX starts a full synchronisation by itself.',
    );
  }
  if (failure.status === 401) {
    // Graph calls reach here only after a freshly acquired token was refused too (docs/graph-notes.md §1.8), so
    // a revoked or stale token is not the cause; the causes are listed most likely first.
    return exception(
      Microsoft365ErrorCode.AuthenticationFailed,
      `Microsoft Graph refused a newly issued access token${code ? ` (${code})` : ''}`,
      'Likely causes, most likely first: (1) a Conditional Access policy for workload identities blocks this ' +
        "PBX's network location or flags the app as risky (Entra admin center → Protection → Conditional Access, " +
        'and the sign-in logs of the service principal); (2) the app was disabled or deleted in Entra ' +
        '(Enterprise applications → the app → Properties); (3) the cloud setting does not match the tenant. ' +
        'Run the connection test after the change.',
    );
  }
  if (failure.status === 403) {
    // Exchange answers a mailbox its application access policy (or RBAC for Applications) excludes with
    // ErrorAccessDenied "Access to OData is disabled." (docs/graph-notes.md §7); a missing permission reads
    // differently.
    const policy =
      /application access policy|ApplicationAccessPolicy|AccessPolicy|Access to OData is disabled/i.test(
        failure.message ?? '',
      );
    return exception(
      Microsoft365ErrorCode.PermissionMissing,
      policy
        ? 'An Exchange application access policy blocks this app from the mailbox'
        : `The app lacks a Microsoft Graph application permission${code ? ` (${code})` : ''}`,
      policy
        ? 'Add the mailbox to the group your application access policy allows, or exclude it from this feature.'
        : 'In the Entra admin center open App registrations → your app → API permissions, add the Microsoft ' +
            'Graph application permissions the connection test lists, then "Grant admin consent".',
    );
  }
  if (failure.status === 404) {
    return exception(
      Microsoft365ErrorCode.GraphNotFound,
      `Microsoft Graph does not know the requested object${code ? ` (${code})` : ''}`,
      'The object may have been deleted in Microsoft 365; the next synchronisation catches up.',
    );
  }
  return exception(
    Microsoft365ErrorCode.GraphRequestFailed,
    `Microsoft Graph refused the request${failure.status ? ` with ${failure.status}` : ''}${code ? ` (${code})` : ''}`,
    'If this persists, report it to the PBX vendor with the request id.',
  );
}

export function parseAadsts(message: string | undefined): number | undefined {
  const match = /AADSTS(\d+)/.exec(message ?? '');
  return match?.[1] ? Number(match[1]) : undefined;
}

/** `Retry-After` is seconds in Graph; an HTTP date is allowed by RFC 9110 and handled too. */
export function parseRetryAfter(
  value: string | null | undefined,
  now: Date = new Date(),
): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now.getTime()) / 1000));
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
