/**
 * The reference host's minimal web portal: where "Sign in with Microsoft" lands (`/#sso_code=...`). It takes the
 * one-time code out of the address bar at once, exchanges it from this browser (the sign-in cookie proves it is the
 * browser that signed in), keeps the session in memory only, and shows who is signed in.
 */
export const PORTAL_SCRIPT = `(async () => {
  const show = (id, text) => { document.getElementById(id).textContent = text; };
  const params = new URLSearchParams(location.hash.slice(1));
  const code = params.get('sso_code');
  // Out of the history and out of reach of anything that reads the address later.
  history.replaceState(null, '', location.pathname + location.search);
  if (!code) { show('status', 'Not signed in.'); return; }
  show('status', 'Signing in...');
  const exchange = await fetch('/api/microsoft365/sso/token', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ code }),
  });
  const session = await exchange.json();
  if (!exchange.ok) { show('status', 'Sign-in failed: ' + session.code); return; }
  const me = await fetch('/api/auth/me', { headers: { Authorization: 'Bearer ' + session.token } });
  const who = await me.json();
  show('displayName', who.user.displayName);
  show('extension', who.user.extension ?? '-');
  show('role', who.session.role);
  show('status', 'Signed in.');
  document.getElementById('signedIn').hidden = false;
})().catch(() => { document.getElementById('status').textContent = 'Sign-in failed.'; });`;

export const PORTAL_PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>PBX portal</title></head>
<body>
<main>
<h1>PBX portal</h1>
<p id="status">Loading...</p>
<dl id="signedIn" hidden>
<dt>User</dt><dd id="displayName"></dd>
<dt>Extension</dt><dd id="extension"></dd>
<dt>Role</dt><dd id="role"></dd>
</dl>
</main>
<script src="/portal.js"></script>
</body></html>`;
