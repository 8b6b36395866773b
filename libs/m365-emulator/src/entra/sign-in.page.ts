/**
 * Minimal HTML for the interactive sign-in. Element ids/names copy Entra's real page (loginfmt / i0116,
 * passwd / i0118, idSIButton9) so headless-browser scripts written against Entra also work here.
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export interface SignInPageModel {
  readonly action: string;
  readonly transactionId: string;
  readonly username: string;
  readonly appName: string;
  readonly tenantName: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

export function renderSignInPage(model: SignInPageModel): string {
  const error = model.errorMessage
    ? `<div id="passwordError" class="error" role="alert" data-error-code="${escapeHtml(model.errorCode ?? '')}">${escapeHtml(model.errorMessage)}</div>`
    : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to your account</title></head>
<body>
<main id="signInPage">
<h1 id="loginHeader">Sign in</h1>
<p id="appName">to continue to ${escapeHtml(model.appName)} (${escapeHtml(model.tenantName)})</p>
${error}
<form id="signInForm" name="f1" method="post" action="${escapeHtml(model.action)}">
<input type="hidden" name="ctx" id="ctx" value="${escapeHtml(model.transactionId)}">
<label for="i0116">Email, phone, or Skype</label>
<input type="email" name="loginfmt" id="i0116" autocomplete="username" value="${escapeHtml(model.username)}">
<label for="i0118">Password</label>
<input type="password" name="passwd" id="i0118" autocomplete="current-password">
<input type="submit" id="idSIButton9" value="Sign in">
</form>
</main>
</body></html>`;
}

export function renderErrorPage(errorCode: string, message: string, correlationId: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to your account</title></head>
<body>
<main id="errorPage">
<h1>Sorry, but we're having trouble signing you in.</h1>
<p id="errorCode">${escapeHtml(errorCode)}</p>
<p id="errorMessage">${escapeHtml(`${errorCode}: ${message}`)}</p>
<p id="correlationId">Correlation ID: ${escapeHtml(correlationId)}</p>
</main>
</body></html>`;
}

/** Entra's form_post response: an auto-submitting form (docs/graph-notes.md §11). */
export function renderFormPost(redirectUri: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}" />`)
    .join('');
  return `<html><head><title>Working...</title></head><body><form method="POST" name="hiddenform" action="${escapeHtml(redirectUri)}">${inputs}<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit" /></noscript></form><script language="javascript">document.forms[0].submit();</script></body></html>`;
}

export function renderSignedOutPage(): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign out</title></head>
<body><main id="signedOut"><h1>You signed out of your account</h1><p>It's a good idea to close all browser windows.</p></main></body></html>`;
}
