/**
 * Server-rendered HTML for the sandbox's login, consent and error pages: real forms with labels,
 * usable by keyboard and by Playwright through accessible names ("Email", "Password", "Log in",
 * "Allow", "Deny", one radio per company named after it).
 */
import { DEMO_USER, SOLO_USER, type CompanyFixture } from "../seed/fixtures";

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
  font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
  background:#f4f1ec;color:#1d1d1b}
main{width:100%;max-width:400px;margin:24px;background:#fff;border-radius:16px;padding:32px;
  box-shadow:0 8px 30px rgba(0,0,0,.08)}
.brand{font-weight:800;font-size:28px;letter-spacing:-.02em;margin:0 0 4px}
.brand span{font-size:12px;font-weight:600;background:#ffe156;border-radius:6px;padding:2px 6px;
  vertical-align:middle;margin-left:6px;letter-spacing:0}
h1{font-size:20px;margin:16px 0 8px}
p{line-height:1.5;margin:8px 0}
label{display:block;font-weight:600;font-size:14px;margin:16px 0 6px}
input[type=email],input[type=password]{width:100%;padding:12px;border:1px solid #c9c5bd;border-radius:8px;
  font-size:16px}
input:focus-visible,button:focus-visible{outline:3px solid #ff6e3b;outline-offset:2px}
button{width:100%;margin-top:20px;padding:12px;border:0;border-radius:8px;font-size:16px;font-weight:700;
  cursor:pointer;background:#1d1d1b;color:#fff}
button.secondary{background:#fff;color:#1d1d1b;border:1px solid #c9c5bd;margin-top:10px}
fieldset{border:1px solid #e4e0d8;border-radius:8px;padding:8px 12px;margin:16px 0 0}
legend{font-weight:600;font-size:14px;padding:0 4px}
.radio{display:flex;align-items:center;gap:10px;margin:8px 0;font-weight:500}
.radio input{width:18px;height:18px}
.hint{background:#f4f1ec;border-radius:8px;padding:12px;font-size:14px;margin-top:20px}
.hint code{font-size:13px}
.error{background:#fde8e4;color:#8a1c05;border-radius:8px;padding:10px 12px;font-size:14px}
ul.scopes{padding-left:20px;font-size:14px}
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Pleo sandbox</title>
<style>${CSS}</style>
</head>
<body><main>
<div class="brand" aria-hidden="true">pleo<span>sandbox</span></div>
${body}
</main></body>
</html>`;
}

export function loginPage(opts: { requestId: string; email?: string; error?: string }): string {
  return layout(
    "Log in",
    `<h1>Log in to Pleo</h1>
<p>An application wants to connect to your Pleo account.</p>
${opts.error ? `<p class="error" role="alert">${escapeHtml(opts.error)}</p>` : ""}
<form method="post" action="/oauth/login">
<input type="hidden" name="request_id" value="${escapeHtml(opts.requestId)}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required autofocus value="${escapeHtml(opts.email ?? "")}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button>
</form>
<div class="hint">
<strong>Sandbox demo users</strong>
<p><code>${DEMO_USER.email}</code> / <code>${DEMO_USER.password}</code> — two companies<br>
<code>${SOLO_USER.email}</code> / <code>${SOLO_USER.password}</code> — one company</p>
</div>`,
  );
}

export function consentPage(opts: {
  requestId: string;
  userName: string;
  companies: readonly CompanyFixture[];
  selected: string | undefined;
  scopes: readonly string[];
  applicationName: string;
  error?: string;
}): string {
  const selected = opts.selected ?? opts.companies[0]?.id;
  const radios = opts.companies
    .map(
      (c) =>
        `<div class="radio"><input type="radio" id="company-${c.id}" name="company_id" value="${c.id}"${
          c.id === selected ? " checked" : ""
        } required><label for="company-${c.id}" style="margin:0;font-weight:500">${escapeHtml(c.name)}</label></div>`,
    )
    .join("\n");
  return layout(
    "Authorize application",
    `<h1>Allow ${escapeHtml(opts.applicationName)} to access Pleo?</h1>
<p>Signed in as ${escapeHtml(opts.userName)}.</p>
${opts.error ? `<p class="error" role="alert">${escapeHtml(opts.error)}</p>` : ""}
<form method="post" action="/oauth/consent">
<input type="hidden" name="request_id" value="${escapeHtml(opts.requestId)}">
<fieldset>
<legend>Company</legend>
${radios}
</fieldset>
<p>It will be able to:</p>
<ul class="scopes">${opts.scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join("")}</ul>
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary" formnovalidate>Deny</button>
</form>`,
  );
}

export function errorPage(title: string, message: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1><p class="error" role="alert">${escapeHtml(message)}</p>`);
}
