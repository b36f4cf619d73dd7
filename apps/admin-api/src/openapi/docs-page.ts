/**
 * A self-contained page that renders /openapi.json (the network is closed: no CDN, no
 * framework): operations grouped by tag, each with its access, parameters, body and response
 * schemas. Text is inserted with textContent only, so a schema cannot inject markup.
 */
export function docsPage(specUrl: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kopitra API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header{background:#16324f;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}
main{max-width:1100px;margin:0 auto;padding:16px 24px}h2{margin-top:28px;border-bottom:1px solid #ccd;padding-bottom:4px}
details{background:#fff;border:1px solid #dde;border-radius:6px;margin:6px 0}summary{cursor:pointer;padding:8px 12px;font-family:ui-monospace,monospace}
.m{display:inline-block;min-width:58px;font-weight:700;text-transform:uppercase}.get{color:#1a7f37}.post{color:#0969da}.put,.patch{color:#9a6700}.delete{color:#cf222e}
.acc{float:right;font-size:12px;color:#555}.body{padding:4px 14px 12px}pre{background:#f0f2f5;padding:8px;overflow:auto;max-height:360px;font-size:12px}
#filter{width:100%;padding:8px;font-size:14px;margin:8px 0;box-sizing:border-box}
</style></head>
<body><header><h1>Kopitra API</h1><div id="info"></div></header>
<main><input id="filter" placeholder="filter by path or tag" aria-label="filter"><div id="ops">Loading ${specUrl}…</div></main>
<script>
(function () {
  var el = function (tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; };
  fetch(${JSON.stringify(specUrl)}).then(function (r) { return r.json(); }).then(function (spec) {
    document.getElementById('info').textContent = 'OpenAPI ' + spec.openapi + ' · version ' + spec.info.version + ' · ' + spec.info.description;
    var groups = {};
    Object.keys(spec.paths).forEach(function (path) {
      Object.keys(spec.paths[path]).forEach(function (method) {
        var op = spec.paths[path][method]; var tag = (op.tags && op.tags[0]) || 'other';
        (groups[tag] = groups[tag] || []).push({ path: path, method: method, op: op });
      });
    });
    var root = document.getElementById('ops'); root.textContent = '';
    Object.keys(groups).sort().forEach(function (tag) {
      var section = el('section'); section.dataset.tag = tag; section.appendChild(el('h2', null, tag));
      groups[tag].forEach(function (o) {
        var d = el('details'); d.dataset.key = (tag + ' ' + o.path).toLowerCase();
        var s = el('summary'); s.appendChild(el('span', 'm ' + o.method, o.method)); s.appendChild(document.createTextNode(' ' + o.path));
        s.appendChild(el('span', 'acc', o.op['x-kopitra-access'] || (tag === 'ea-contract' ? 'EA signature' : '')));
        d.appendChild(s);
        var b = el('div', 'body');
        if (o.op.summary) b.appendChild(el('p', null, o.op.summary));
        if (o.op.description) b.appendChild(el('p', null, o.op.description));
        if (o.op.parameters && o.op.parameters.length) { b.appendChild(el('h4', null, 'Parameters')); b.appendChild(el('pre', null, JSON.stringify(o.op.parameters, null, 2))); }
        if (o.op.requestBody) { b.appendChild(el('h4', null, 'Request body')); b.appendChild(el('pre', null, JSON.stringify(o.op.requestBody.content, null, 2))); }
        b.appendChild(el('h4', null, 'Responses')); b.appendChild(el('pre', null, JSON.stringify(o.op.responses, null, 2)));
        d.appendChild(b); section.appendChild(d);
      });
      root.appendChild(section);
    });
    document.getElementById('filter').addEventListener('input', function (e) {
      var q = e.target.value.toLowerCase();
      document.querySelectorAll('details').forEach(function (d) { d.style.display = d.dataset.key.indexOf(q) >= 0 ? '' : 'none'; });
    });
  }).catch(function (e) { document.getElementById('ops').textContent = 'Could not load the API description: ' + e; });
})();
</script></body></html>`;
}
