import { createHash } from 'node:crypto';
import { MIN_PASSWORD_LENGTH } from '../credentials/sign-in.dto';

/** What a mailed token is for, as its link says (`type`), and the path of Cairn's own page for it under /w/{ws}/auth. */
export type AccountLinkType = 'reset' | 'verify';
export const ACCOUNT_PAGES: Record<AccountLinkType, string> = { reset: 'reset-password', verify: 'verify-email' };

/**
 * The pages' one script: it reads the token from the page's own address (never from the HTML, which
 * holds nothing of the request), posts it to the auth route beside the page with fetch, and says the
 * outcome with textContent only.
 */
const SCRIPT = `
const form = document.querySelector('form');
const status = document.getElementById('status');
const token = new URLSearchParams(location.search).get('token');
const say = (text, ok) => { status.textContent = text; status.className = ok ? 'ok' : 'error'; };
if (!token) { say('This link has no token. Open the link from the mail again.', false); form.hidden = true; }
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const reset = form.dataset.type === 'reset';
  const body = { token };
  if (reset) {
    const [password, again] = [form.elements.password.value, form.elements.again.value];
    if (password !== again) return say('The two passwords differ.', false);
    body.password = password;
  }
  form.querySelector('button').disabled = true;
  try {
    const answer = await fetch(reset ? 'password/reset' : 'email/verify', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (answer.ok) {
      form.hidden = true;
      return say(reset ? 'Your password is changed. You can sign in with it now.' : 'Your email address is confirmed.', true);
    }
    const error = await answer.json().catch(() => null);
    say((error && error.errors && error.errors[0] && error.errors[0].message) || 'That did not work (' + answer.status + ').', false);
  } catch {
    say('The server could not be reached. Try again.', false);
  }
  form.querySelector('button').disabled = false;
});
`;

const STYLE = `
body { font: 16px/1.5 system-ui, sans-serif; max-width: 26rem; margin: 4rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.4rem; }
label { display: block; margin: 1rem 0 .25rem; }
input { width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; }
button { margin-top: 1.25rem; padding: .5rem 1rem; font: inherit; }
.ok { color: #176f2c; } .error { color: #b00020; }
`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * The pages' Content-Security-Policy: nothing loads but their own inline script and style (by hash), they
 * talk only to Cairn, may not be framed, and their form cannot post anywhere by itself.
 */
export const ACCOUNT_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** A self-contained HTML page that completes a password reset (a new password, twice) or an email verification. */
export function accountPage(type: AccountLinkType, workspaceName: string): string {
  const name = escapeHtml(workspaceName);
  const [title, fields, action] =
    type === 'reset'
      ? [
          `Choose a new password for ${name}`,
          `<label for="password">New password</label><input id="password" name="password" type="password" autocomplete="new-password" minlength="${MIN_PASSWORD_LENGTH}" required>` +
            `<label for="again">The same password again</label><input id="again" name="again" type="password" autocomplete="new-password" minlength="${MIN_PASSWORD_LENGTH}" required>`,
          'Change my password',
        ]
      : [`Confirm your email address for ${name}`, '', 'Confirm my email address'];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${title}</h1>
<form data-type="${type}">${fields}<button type="submit">${action}</button></form>
<p id="status" role="status"></p>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
