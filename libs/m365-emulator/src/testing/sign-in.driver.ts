import { type Dispatcher, fetch } from 'undici';

/** What the emulated Entra page posts back to the application (`response_mode=form_post`). */
export interface FormPost {
  /** The redirect URI the page posts to. */
  action: string;
  /** The posted fields: `code` and `state` (or `error`, `error_description`), as the browser would send them. */
  fields: Record<string, string>;
}

/**
 * Signs a user in on the emulator's Entra sign-in page the way a browser does, without one: opens the authorize
 * URL, submits the user name and password, and returns the form the answer page would post to the application.
 * For hosts testing their "Sign in with Microsoft" set-up; a real browser drives the same page (its element names
 * follow Entra's: `loginfmt`, `passwd`, `idSIButton9`).
 */
export async function signInOnEmulator(
  authorizeUrl: string,
  credentials: { username: string; password: string },
  dispatcher: Dispatcher,
): Promise<FormPost> {
  const page = await fetch(authorizeUrl, { redirect: 'manual', dispatcher });
  const pageHtml = await page.text();
  const action = /<form id="signInForm"[^>]* action="([^"]+)"/.exec(pageHtml)?.[1];
  const ctx = /name="ctx" id="ctx" value="([^"]+)"/.exec(pageHtml)?.[1];
  if (page.status !== 200 || !action || !ctx) {
    throw new Error(
      `The emulator did not show its sign-in page (status ${page.status}): ${pageHtml.slice(0, 300)}`,
    );
  }
  const answer = await fetch(new URL(unescapeHtml(action), authorizeUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      ctx: unescapeHtml(ctx),
      loginfmt: credentials.username,
      passwd: credentials.password,
    }),
    redirect: 'manual',
    dispatcher,
  });
  const answerHtml = await answer.text();
  const target = /<form method="POST" name="hiddenform" action="([^"]+)">/.exec(answerHtml)?.[1];
  if (!target) {
    const error = /data-error-code="([^"]*)"/.exec(answerHtml)?.[1];
    throw new Error(
      `The emulator refused the sign-in${error ? ` (${error})` : ''} with status ${answer.status}`,
    );
  }
  const fields = Object.fromEntries(
    [...answerHtml.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)" \/>/g)].map((match) => [
      unescapeHtml(match[1] ?? ''),
      unescapeHtml(match[2] ?? ''),
    ]),
  );
  return { action: unescapeHtml(target), fields };
}

function unescapeHtml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
