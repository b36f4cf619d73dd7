/** What `/` shows until the ops console is built into the launcher: where everything is. */
export function landingPage(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Kopitra</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;color:#17202a}
code{background:#eef2f5;padding:.1rem .3rem;border-radius:3px}</style></head><body>
<h1>Kopitra</h1>
<p>The copy-trading platform is running.</p>
<ul>
<li>EA gateway: <code>/trade-agent/v1</code> — health at <a href="/trade-agent/v1/health"><code>/trade-agent/v1/health</code></a></li>
<li>Management API: <code>/admin/v1</code> — sign in with <code>POST /admin/v1/auth/login</code></li>
</ul>
</body></html>`;
}
