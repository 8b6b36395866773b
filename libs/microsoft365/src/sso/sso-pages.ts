import { type AdminConsentResult } from './admin-consent-result';

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** The page a browser sees when "Sign in with Microsoft" is refused: what happened, its code, and a way back. */
export function renderSsoErrorPage(model: { code: string; message: string; portalUrl: string }): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>Sign-in failed</title></head>
<body>
<main id="ssoError" data-error-code="${escapeHtml(model.code)}">
<h1>Sign in with Microsoft did not work</h1>
<p id="message">${escapeHtml(model.message)}</p>
<p>Error code: <code id="errorCode">${escapeHtml(model.code)}</code></p>
<p><a id="back" href="${escapeHtml(model.portalUrl)}">Back to the login page</a></p>
</main>
</body></html>`;
}

/**
 * The page an admin lands on after Microsoft's admin consent screen: granted or not, and what to do next. Nothing
 * from the query string appears on it but one of Entra's documented error codes.
 */
export function renderAdminConsentPage(result: AdminConsentResult): string {
  const [title, message] = result.granted
    ? [
        'Admin consent granted',
        'Microsoft 365 recorded your consent. Back in the PBX, run the connection test: it reads the permissions ' +
          'afresh and shows which features can be used.',
      ]
    : [
        'Admin consent not granted',
        'Microsoft 365 did not record a consent. Open the consent link from the PBX again and accept, or grant ' +
          'consent in the Entra admin center under App registrations → your app → API permissions.',
      ];
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${title}</title></head>
<body>
<main id="adminConsent" data-granted="${result.granted}"${result.granted ? '' : ` data-error-code="${escapeHtml(result.error)}"`}>
<h1>${title}</h1>
<p id="message">${message}</p>
</main>
</body></html>`;
}
