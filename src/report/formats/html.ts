import {createHash} from 'node:crypto'
import {FLOWS, SEVERITY, STATUSES, type Finding, type Status} from '../../model/index.js'
import type {CheckResult, Report} from '../index.js'
import {COLOURS, countText, esc, MAX_NODES, pictureSvg, type Box, type Shown} from './picture-svg.js'

/**
 * The report people look at: one self-contained HTML file (no external script, style, font or
 * image; a Content-Security-Policy that forbids loading any and runs no script but its own, by
 * hash: no inline handler, no `javascript:` link), readable printed. Failures first: under the
 * title, what to fix (each fix once, with the checks and hosts it serves); then the data-flow
 * picture (picture-svg.ts) with its legend; then the results by flow, worst first, skips folded;
 * then the hosts of a merged report and the environment summary.
 */

const CSS = `
:root{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;line-height:1.4}
body{margin:0 auto;max-width:1280px;padding:16px 24px}
h1{font-size:1.5em;margin:0 0 4px}h2{font-size:1.15em;margin:24px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;margin:0 0 12px}
.summary{display:flex;gap:8px;flex-wrap:wrap;margin:8px 0}
.chip{border-radius:12px;padding:2px 10px;font-weight:600;border:1px solid;white-space:nowrap}
.s-pass{background:#e3f4e4;border-color:#2e7d32;color:#1b5e20}.s-warn{background:#fff4d6;border-color:#b7791f;color:#7a4f01}
.s-fail{background:#fde4e4;border-color:#c62828;color:#8e1616}.s-error{background:#f1e4f7;border-color:#6a1b9a;color:#4a126b}
.s-skip{background:#f2f2f2;border-color:#8a8a8a;color:#555}.s-none{background:#fff;border-color:#b0b0b0;color:#777}
#to-fix h2{margin-top:12px}#to-fix ol{margin:0;padding-left:1.6em}#to-fix li{margin:6px 0}
#to-fix .serves{color:#444;font-size:.92em;margin-top:2px}#to-fix .serves a{color:inherit}
#to-fix .clear{color:#1b5e20;font-weight:600;margin:4px 0}#to-fix.folded li.more{display:none}
.picture{overflow-x:auto;border:1px solid #e2e2e2;border-radius:8px;padding:4px;background:#fcfcfc}
#picture text{font-size:12px;font-family:inherit}#picture .node-title{font-weight:700}#picture .counts{font-size:11.5px}
#picture .edge-label text{font-size:10.5px}#picture a{cursor:pointer}
#picture a.box:hover .frame,#picture a.box:focus .frame{stroke-width:4}#picture a.arrow:hover .line,#picture a.arrow:focus .line{stroke-width:4}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;align-items:center;font-size:.88em;color:#444;margin:6px 2px}
.legend .sw{display:inline-block;width:14px;height:11px;border:2px solid;border-radius:3px;vertical-align:-2px;margin-right:4px}
.legend svg{vertical-align:middle;margin-right:4px}
.group-panel{border:1px solid #ccc;border-radius:8px;padding:6px 12px;margin:8px 0;background:#fff}
.group-panel ul{list-style:none;padding:0;margin:6px 0 2px;columns:4 230px;font-size:.86em}.group-panel li{margin:0 0 3px;break-inside:avoid}
.group-panel .chip{font-size:.85em;padding:0 6px}.group-panel .host{color:#666}
.group-panel a{color:inherit;text-decoration:none}.group-panel a:hover b{text-decoration:underline}
.filters{margin:12px 0;display:flex;gap:14px;flex-wrap:wrap;align-items:center}
table{border-collapse:collapse;width:100%;font-size:.93em}th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid #eee}
th{background:#fafafa}td.st span{display:inline-block;min-width:3.6em;text-align:center}
tr.hl td,tr:target td{background:#fff8c4}.fix{color:#333;margin-top:3px}.fix::before{content:"Fix: ";font-weight:600}
ul.problems{margin:0;padding-left:1.1em}ul.problems li{margin:0 0 4px}
.waiver{color:#7a4f01;margin-top:3px}.stage{color:#555;font-size:.9em}.verdict{white-space:nowrap;margin:1px 0}.target{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em;word-break:break-all}
.nolink{color:#555;font-size:.85em;word-break:break-all}
tr.fold td{border-bottom:none;padding-top:2px}button.unfold{background:none;border:none;color:#555;cursor:pointer;padding:0;font:inherit}
button.unfold:hover{text-decoration:underline}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px}dt{font-weight:600}dd{margin:0}
.notes li{margin:2px 0}
@media print{.filters,.noprint,tr.fold{display:none}#to-fix.folded li.more{display:list-item}body{max-width:none;padding:0}.picture{border:none;overflow:visible}
#picture{max-width:100%;height:auto}*{-webkit-print-color-adjust:exact;print-color-adjust:exact}tr{break-inside:avoid}
tr.result[hidden]{display:table-row}section.flow[hidden]{display:block}}
`

/**
 * The page's one script: filters, folded skips, clicks on the picture, a group's list, texts that
 * a wider font than expected would push out of their box. Run by hash (the CSP), so no other
 * script can: not an inline handler, not a `javascript:` link a report smuggled in.
 */
const SCRIPT = `
(function(){
  var boxes=document.querySelectorAll('.filters input[data-status]');
  var rows=[].slice.call(document.querySelectorAll('tr.result'));
  function on(){var o={};boxes.forEach(function(b){o[b.getAttribute('data-status')]=b.checked});return o}
  function apply(){
    var o=on();
    rows.forEach(function(tr){tr.hidden=!o[tr.getAttribute('data-status')]});
    document.querySelectorAll('tr.fold').forEach(function(f){
      var n=f.closest('tbody').querySelectorAll('tr.result[data-status="skip"]').length;
      f.querySelector('button').textContent=(o.skip?'\\u25be ':'\\u25b8 ')+n+' skipped'+(o.skip?': fold':': show');
    });
    var all=['pass','warn','fail','error'].every(function(s){return o[s]});
    document.querySelectorAll('section.flow').forEach(function(s){
      var skips=s.querySelector('tr.result[data-status="skip"]');
      s.hidden=!s.querySelector('tr.result:not([hidden])')&&!(skips&&all);
    });
  }
  boxes.forEach(function(b){b.addEventListener('change',apply)});
  document.querySelectorAll('tr.fold button.unfold').forEach(function(b){
    b.addEventListener('click',function(){
      var body=b.closest('tbody');var skips=body.querySelectorAll('tr.result[data-status="skip"]');
      var open=skips.length&&skips[0].hidden;
      skips.forEach(function(tr){tr.hidden=!open});
      b.textContent=(open?'\\u25be ':'\\u25b8 ')+skips.length+' skipped'+(open?': fold':': show');
    });
  });
  function mark(places){
    var set={};places.forEach(function(p){set[p]=true});
    document.querySelectorAll('tr.hl').forEach(function(tr){tr.classList.remove('hl')});
    var hit=rows.filter(function(tr){return set[tr.getAttribute('data-place')]});
    hit.forEach(function(tr){tr.classList.add('hl');if(tr.hidden){tr.hidden=false;tr.closest('section').hidden=false}});
    var sev={error:4,fail:3,warn:2,pass:1,skip:0};
    hit.sort(function(a,b){return sev[b.getAttribute('data-status')]-sev[a.getAttribute('data-status')]});
    if(hit[0])hit[0].scrollIntoView({block:'center'});
  }
  document.querySelectorAll('[data-about]').forEach(function(a){
    a.addEventListener('click',function(ev){
      ev.preventDefault();
      var members=a.getAttribute('data-members');
      if(members){
        var panel=document.getElementById('panel-'+a.getAttribute('data-place'));
        if(panel){panel.hidden=!panel.hidden;if(!panel.hidden)panel.scrollIntoView({block:'nearest'});return}
      }
      mark(JSON.parse(a.getAttribute('data-about')));
    });
  });
  var fixes=document.getElementById('to-fix'),more=document.querySelector('button.more-fixes');
  if(more){
    var n=more.textContent;fixes.classList.add('folded');more.textContent='\u25b8 '+n;
    more.addEventListener('click',function(){
      var folded=fixes.classList.toggle('folded');more.textContent=(folded?'\u25b8 ':'\u25be ')+(folded?n:'fold');
    });
  }
  document.querySelectorAll('a[href^="#r-"]').forEach(function(a){
    a.addEventListener('click',function(){
      var tr=document.getElementById(a.getAttribute('href').slice(1));
      if(tr&&tr.hidden){tr.hidden=false;tr.closest('section').hidden=false}
    });
  });
  document.querySelectorAll('#picture text[data-w]').forEach(function(t){
    var w=parseFloat(t.getAttribute('data-w'));
    if(t.getComputedTextLength()>w){t.setAttribute('textLength',w);t.setAttribute('lengthAdjust','spacingAndGlyphs')}
  });
  apply();
})();
`

/** A merged row's hosts: each with its verdict when they disagree. */
function hostsCell(r: CheckResult): string {
  if (!r.hosts?.length) return esc(r.host ?? '')
  if (new Set(r.hosts.map((h) => h.status)).size === 1) return r.hosts.map((h) => `<div>${esc(h.host)}</div>`).join('')
  return r.hosts
    .map((h) => `<div class="verdict"><span class="chip s-${h.status}">${h.status}</span> ${esc(h.host)}</div>`)
    .join('')
}

/** The page's CSP: nothing loads, and no script runs but SCRIPT (no inline handler, no `javascript:`). */
export const CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${createHash('sha256').update(SCRIPT).digest('base64')}'; img-src data:; base-uri 'none'; form-action 'none'`

/** A link only to an https: page; anything else (a `javascript:` a crafted report holds) is text. */
function docsLink(url: string): string {
  const https = (() => {
    try {
      const u = new URL(url)
      return u.protocol === 'https:' && !u.username && !u.password ? u.href : undefined
    } catch {
      return undefined
    }
  })()
  if (https) return `<a href="${esc(https)}" rel="noreferrer">docs</a>`
  return url ? `<span class="nolink">${esc(url)}</span>` : ''
}

/** The warn/fail findings behind a result that is not a pass (from `data.findings`), worst first. */
function problems(r: CheckResult): Finding[] {
  if (r.status === 'pass' || r.status === 'skip') return []
  const fs = (r.data as {findings?: unknown} | null)?.findings
  if (!Array.isArray(fs)) return []
  return (fs as Finding[])
    .filter(
      (f) =>
        f &&
        (f.status === 'warn' || f.status === 'fail') &&
        typeof f.message === 'string' &&
        (f.remediation === undefined || typeof f.remediation === 'string'),
    )
    .sort((a, b) => SEVERITY[b.status] - SEVERITY[a.status])
}

const byWorst = (a: {status: Status}, b: {status: Status}) => SEVERITY[b.status] - SEVERITY[a.status]

interface Fix {
  status: Status
  text: string
  docs: string
  /** Each check (id and target) once, with the hosts that saw it. */
  checks: {row: string; id: string; target: string; hosts: string[]; message: string}[]
}

/** What to fix: each fix once (a fail, an error or a warning's), with the checks and hosts it serves. */
function fixesOf(results: readonly CheckResult[], rowId: (r: CheckResult) => string): Fix[] {
  const fixes = new Map<string, Fix>()
  for (const r of results) {
    if (r.status === 'pass' || r.status === 'skip') continue
    const fs = problems(r)
    const items = fs.length
      ? // A waiver made a failure a warning: so is its fix.
        fs.map((f) => ({
          status: SEVERITY[f.status] > SEVERITY[r.status] ? r.status : f.status,
          text: f.remediation || f.message,
          message: f.message,
        }))
      : [{status: r.status, text: r.remediation || r.message, message: r.message}]
    for (const it of items) {
      const fix = fixes.get(it.text) ?? {status: it.status, text: it.text, docs: r.docs, checks: []}
      if (SEVERITY[it.status] > SEVERITY[fix.status]) fix.status = it.status
      const seen = fix.checks.find((c) => c.id === r.id && c.target === r.target)
      if (!seen)
        fix.checks.push({row: rowId(r), id: r.id, target: r.target, hosts: r.host ? [r.host] : [], message: it.message})
      else if (r.host && !seen.hosts.includes(r.host)) seen.hosts.push(r.host)
      fixes.set(it.text, fix)
    }
  }
  return [...fixes.values()].sort(byWorst)
}

/** Fixes shown at first; the rest are a click away (and on paper). */
const FIXES_SHOWN = 10

function toFixHtml(fixes: readonly Fix[]): string {
  if (fixes.length === 0)
    return `<section id="to-fix"><h2>To fix</h2><p class="clear">Nothing: no failure, error or warning.</p></section>`
  const items = fixes.map((f, i) => {
    const checks = f.checks
      .slice(0, 20)
      .map(
        (c) =>
          `<a href="#${c.row}" title="${esc(c.message)}">${esc(c.id)}${c.target === '-' ? '' : ` <span class="target">${esc(c.target)}</span>`}</a>`,
      )
    if (f.checks.length > 20) checks.push(`and ${f.checks.length - 20} more`)
    const hosts = [...new Set(f.checks.flatMap((c) => c.hosts))]
    return (
      `<li data-status="${f.status}"${i >= FIXES_SHOWN ? ' class="more"' : ''}><span class="chip s-${f.status}">${f.status.toUpperCase()}</span> ${esc(f.text)}` +
      `<div class="serves">for ${checks.join(', ')}${hosts.length ? ` · on ${hosts.map(esc).join(', ')}` : ''} · ${docsLink(f.docs)}</div></li>`
    )
  })
  const more =
    fixes.length > FIXES_SHOWN
      ? `<button type="button" class="unfold more-fixes noprint">${fixes.length - FIXES_SHOWN} more</button>`
      : ''
  return `<section id="to-fix"><h2>To fix (${fixes.length})</h2><ol>${items.join('')}</ol>${more}</section>`
}

const swatch = (s: Shown, text: string) =>
  `<span><span class="sw" style="background:${COLOURS[s].fill};border-color:${COLOURS[s].stroke}"></span>${text}</span>`
const line = (s: Shown, dashed: boolean, text: string) =>
  `<span><svg width="34" height="10" aria-hidden="true"><line x1="1" y1="5" x2="33" y2="5" stroke="${COLOURS[s].stroke}" stroke-width="${dashed ? 1.5 : 2.5}"${dashed ? ' stroke-dasharray="5 4"' : ''}/></svg>${text}</span>`

function legendHtml(boxes: readonly Box[]): string {
  const grouped = boxes.some((b) => b.members)
  return (
    `<div class="legend" aria-label="legend">` +
    swatch('fail', 'fail') +
    swatch('error', 'error (could not tell)') +
    swatch('warn', 'warn') +
    swatch('pass', 'pass') +
    swatch('skip', 'only skips') +
    swatch('none', 'nothing checked') +
    line('pass', false, 'a path checked (its worst result)') +
    line('none', true, 'a path nothing checked') +
    `<span>A box: the worst of its own results and of the arrows into it. Click a box or an arrow for its results.${grouped ? ' A stacked box: several agents (or the managed systems they reach) alike; click it for the list.' : ''}</span>` +
    `</div>`
  )
}

function groupPanels(boxes: readonly Box[], href: (places: readonly string[]) => string): string {
  return boxes
    .filter((b) => b.members)
    .map(
      (b) =>
        `<div class="group-panel" id="panel-${esc(b.id)}" hidden><b>${esc(b.label[0])}</b> (${esc(b.counts)}): click one for its results, the box again to close.<ul>` +
        b
          .members!.map(
            (m) =>
              `<li><a href="${esc(href(m.about))}" data-about="${esc(JSON.stringify(m.about))}" data-place="${esc(m.id)}" data-status="${m.tally.status}" title="${esc(countText(m.tally))}"><span class="chip s-${m.tally.status}">${esc(m.tally.status === 'none' ? '–' : m.tally.status)}</span> <b>${esc(m.label[0])}</b> <span class="host">${esc(m.label.slice(1).join(' · '))}</span></a></li>`,
          )
          .join('') +
        `</ul></div>`,
    )
    .join('')
}

/** The report as one self-contained HTML page. */
export async function renderHtml(report: Report): Promise<string> {
  const merged = report.runs !== undefined
  const index = new Map(report.results.map((r, i) => [r, i]))
  const rowId = (r: CheckResult) => `r-${index.get(r)}`
  // Where a click on the picture leads without the script: the worst result of those places.
  const worstRow = new Map<string, CheckResult>()
  for (const r of report.results) {
    const w = worstRow.get(r.place ?? '')
    if (!w || SEVERITY[r.status] > SEVERITY[w.status]) worstRow.set(r.place ?? '', r)
  }
  const href = (places: readonly string[]) => {
    const rs = places.flatMap((p) => worstRow.get(p) ?? []).sort(byWorst)
    return rs[0] ? `#${rowId(rs[0])}` : '#results'
  }
  const columns = merged ? 5 : 4
  const row = (r: CheckResult) => {
    const fs = problems(r)
    const result =
      fs.length > 1
        ? `<ul class="problems">${fs.map((f) => `<li>${esc(f.message)}${f.remediation ? `<div class="fix">${esc(f.remediation)}</div>` : ''}</li>`).join('')}</ul>`
        : `${esc(r.message)}${r.remediation ? `<div class="fix">${esc(r.remediation)}</div>` : ''}`
    return (
      `<tr class="result" id="${rowId(r)}" data-status="${r.status}" data-place="${esc(r.place ?? '')}" data-check="${esc(r.id)}">` +
      `<td class="st"><span class="chip s-${r.status}">${r.status.toUpperCase()}</span></td>` +
      `<td><b>${esc(r.id)}</b><div class="target">${esc(r.target)}</div>${r.stage ? `<div class="stage">stage ${esc(r.stage)}</div>` : ''}</td>` +
      (merged ? `<td>${hostsCell(r)}</td>` : '') +
      `<td>${result}` +
      (r.waiver
        ? `<div class="waiver">waiver: ${esc(r.waiver.reason)} (until ${esc(r.waiver.until)}${r.waiver.expired ? ', expired' : ''})</div>`
        : '') +
      `</td><td>${docsLink(r.docs)}</td></tr>`
    )
  }
  const sections = (Object.keys(FLOWS) as (keyof typeof FLOWS)[])
    .map((flow) => {
      // Worst first; the skips last, folded (the page's script hides them until asked).
      const rs = report.results.filter((r) => r.flow === flow).sort(byWorst)
      if (rs.length === 0) return ''
      const skips = rs.filter((r) => r.status === 'skip').length
      return (
        `<section class="flow" data-flow="${flow}"><h2>${esc(FLOWS[flow])}</h2><table><thead><tr><th>Status</th><th>Check</th>${merged ? '<th>Host</th>' : ''}<th>Result</th><th></th></tr></thead>` +
        `<tbody>${rs.map(row).join('')}${skips ? `<tr class="fold"><td colspan="${columns}"><button type="button" class="unfold">${skips} skipped</button></td></tr>` : ''}</tbody></table></section>`
      )
    })
    .join('')
  const s = report.summary
  const chips = STATUSES.map((st) => `<span class="chip s-${st}">${s[st]} ${st}</span>`).join('')
  const filters = STATUSES.map(
    (st) =>
      `<label><input type="checkbox" data-status="${st}"${st === 'skip' ? '' : ' checked'}> ${st} (${s[st]})</label>`,
  ).join('')
  const env = report.environmentSummary
  const envRows = env
    ? [
        ['Product', env.product],
        ['Organization', env.organization],
        ['Topology', report.topology],
        ['Server', env.server],
        ...env.agents.map((a) => [`Agent ${a.identifier}`, a.url ?? '']),
        ...(env.smtp ? [['SMTP', env.smtp]] : []),
        ...(env.proxy ? [['Proxy', env.proxy]] : []),
        ...(env.dnsServers ? [['DNS servers', env.dnsServers.join(', ')]] : []),
        ...(env.connections ?? []).map((c) => ['Connection', c]),
      ]
        .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`)
        .join('')
    : ''
  // A host's role when the report says it (`host.role`: server, agent, all; older reports have
  // none), else the agent it ran as.
  const roleOf = (h: Report['host']) => {
    const role = (h as {role?: unknown} | undefined)?.role
    if (role === 'agent' || (role === undefined && h?.agent)) return h?.agent ? `agent ${h.agent}` : 'agent'
    return typeof role === 'string' ? role : ''
  }
  const runs = report.runs
    ? `<h2>Hosts</h2><table><thead><tr><th>Host</th><th>Role</th><th>Stage</th><th>Started</th><th>Summary</th><th>Exit</th></tr></thead><tbody>${report.runs
        .map(
          (r) =>
            `<tr><td>${esc(r.host.name)}</td><td>${esc(roleOf(r.host) || (r.host.component ?? ''))}</td><td>${esc(r.stage)}</td><td>${esc(r.startedAt)}</td><td>${STATUSES.filter(
              (x) => r.summary[x],
            )
              .map((x) => `${r.summary[x]} ${x}`)
              .join(', ')}</td><td>${esc(r.exitCode)}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : ''
  // An installation has at most 100 agents: a saved report with far more boxes is not one of
  // ours, and laying it out could take minutes. It is said, not drawn.
  const drawable =
    report.picture && report.picture.nodes.length <= MAX_NODES && report.picture.links.length <= MAX_NODES * 4
  let picture = ''
  if (drawable) {
    const p = await pictureSvg(report.picture!, report.results, href)
    picture = `<div class="picture">${p.svg}</div>${legendHtml(p.boxes)}${groupPanels(p.boxes, href)}`
  } else if (report.picture)
    picture = `<p class="meta">The picture is left out: ${report.picture.nodes.length} components and ${report.picture.links.length} links are more than an installation has.</p>`
  const title = `idm-preflight: ${report.environment}`
  const who = merged
    ? `${report.runs!.length} hosts`
    : report.host
      ? `host ${report.host.name}${roleOf(report.host) ? ` (${roleOf(report.host)})` : ''}`
      : ''
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>
<header><h1>${esc(title)}</h1>
<p class="meta">${esc(report.topology)} · stage ${esc(report.stage)} · ${esc(who)} · ${esc(report.startedAt)} · idm-preflight ${esc(report.tool.version)}${report.strict ? ' · strict' : ''}${report.interrupted ? ' · <b>interrupted</b>' : ''} · exit ${esc(report.exitCode)}</p>
<div class="summary">${chips}</div></header>
${toFixHtml(fixesOf(report.results, rowId))}
${picture}
<div class="filters noprint" role="group" aria-label="filter by status"><b>Show:</b>${filters}</div>
<main id="results">${sections}</main>
${runs}
${report.notes.length ? `<h2>Notes</h2><ul class="notes">${report.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
${envRows ? `<h2>Environment</h2><dl>${envRows}</dl>` : ''}
<script>${SCRIPT}</script>
</body></html>
`
}
