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
