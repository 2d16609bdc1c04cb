import {FLOWS, SEVERITY, STATUSES, type Status} from '../core/check.js'
import type {Picture} from '../core/picture.js'
import {worst, type CheckResult, type Report} from '../core/report.js'

/**
 * The report people look at: one self-contained HTML file (no external script, style, font or
 * image; a Content-Security-Policy that forbids loading any), readable printed. At its top the
 * data-flow picture, laid out by elkjs (layered) at report time and drawn as inline SVG: each box
 * and arrow coloured by the worst result on it, with its counts, a link to its results. Below, the
 * results by flow with status filters, and the environment summary.
 */

const COLOURS: Record<Status | 'none', {fill: string; stroke: string; text: string}> = {
  pass: {fill: '#e3f4e4', stroke: '#2e7d32', text: '#1b5e20'},
  warn: {fill: '#fff4d6', stroke: '#b7791f', text: '#7a4f01'},
  fail: {fill: '#fde4e4', stroke: '#c62828', text: '#8e1616'},
  error: {fill: '#f1e4f7', stroke: '#6a1b9a', text: '#4a126b'},
  skip: {fill: '#f2f2f2', stroke: '#8a8a8a', text: '#555555'},
  none: {fill: '#ffffff', stroke: '#b0b0b0', text: '#777777'},
}

const esc = (s: unknown): string =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'})[c]!,
  )
/** An id usable in a URL fragment, stable for a place. */
const anchor = (place: string) => `p-${Buffer.from(place, 'utf8').toString('hex')}`

interface Placed {
  status: Status | 'none'
  counts: Partial<Record<Status, number>>
}

function tally(results: readonly CheckResult[]): Map<string, Placed> {
  const out = new Map<string, Placed>()
  for (const r of results) {
    const key = r.place ?? ''
    const p = out.get(key) ?? {status: 'none', counts: {}}
    p.counts[r.status] = (p.counts[r.status] ?? 0) + 1
    p.status = p.status === 'none' ? r.status : worst([p.status, r.status])
    out.set(key, p)
  }
  return out
}

const countText = (p: Placed | undefined) =>
  p
    ? STATUSES.filter((s) => p.counts[s])
        .sort((a, b) => SEVERITY[b] - SEVERITY[a])
        .map((s) => `${p.counts[s]} ${s}`)
        .join(' · ')
    : 'no result'

/** Boxes drawn at most (100 agents and the rest are about 110). */
const MAX_NODES = 300
/** A label longer than this is cut (a box stays readable). */
const MAX_LABEL = 80
const cut = (l: string) => (l.length > MAX_LABEL ? `${l.slice(0, MAX_LABEL - 1)}…` : l)
const CHAR = 7.2
const CHAR_BOLD = 8.1
const LINE = 17

interface ElkNode {
  id: string
  x?: number
  y?: number
  width: number
  height: number
}
interface ElkEdge {
  id: string
  sources: string[]
  targets: string[]
  sections?: {
    startPoint: {x: number; y: number}
    endPoint: {x: number; y: number}
    bendPoints?: {x: number; y: number}[]
  }[]
}

/** The picture as SVG, laid out by elkjs. */
export async function pictureSvg(given: Picture, results: readonly CheckResult[]): Promise<string> {
  const placed = tally(results)
  // A saved report is input: each id once, and no arrow to a box that is not there (ELK would
  // refuse the whole graph).
  const ids = new Set<string>()
  const nodes = given.nodes
    .filter((n) => !ids.has(n.id) && ids.add(n.id))
    .map((n) => ({...n, label: n.label.slice(0, 4).map(cut)}))
  const linkIds = new Set<string>()
  const links = given.links.filter(
    (l) => ids.has(l.from) && ids.has(l.to) && !ids.has(l.id) && !linkIds.has(l.id) && linkIds.add(l.id),
  )
  const picture: Picture = {nodes, links}
  const {default: ELK} = (await import('elkjs/lib/elk.bundled.js')) as unknown as {
    default: new () => {
      layout(g: unknown): Promise<{width: number; height: number; children: ElkNode[]; edges: ElkEdge[]}>
    }
  }
  const nodeSize = (label: string[], counts: string) => ({
    // The first line is bold: wider per character than the others.
    width: Math.max(
      130,
      Math.ceil(
        Math.max(
          (label[0]?.length ?? 0) * CHAR_BOLD,
          ...label.slice(1).map((l) => l.length * CHAR),
          counts.length * CHAR,
        ),
      ) + 28,
    ),
    height: (label.length + 1) * LINE + 20,
  })
  const graph = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.edgeRouting': 'POLYLINE',
      'elk.spacing.nodeNode': '28',
      'elk.layered.spacing.nodeNodeBetweenLayers': '90',
      // Fast enough for 100 agents from a cold start (bench/report.ts).
      'elk.layered.thoroughness': '1',
      'elk.padding': '[top=12,left=12,bottom=12,right=12]',
    },
    children: picture.nodes.map((n) => ({id: n.id, ...nodeSize(n.label, countText(placed.get(n.id)))})),
    // Counts on arrows are drawn here, not as ELK labels: those become layout nodes of their own
    // and would cost more than the rest of the layout at 100 agents.
    edges: picture.links.map((l) => ({id: l.id, sources: [l.from], targets: [l.to]})),
  }
  const laid = await new ELK().layout(graph)
  const parts: string[] = []
  for (const e of laid.edges) {
    const p = placed.get(e.id)
    const c = COLOURS[p?.status ?? 'none']
    const sec = e.sections?.[0]
    if (!sec) continue
    const points = [sec.startPoint, ...(sec.bendPoints ?? []), sec.endPoint]
    const pts = points.map((q) => `${q.x.toFixed(1)},${q.y.toFixed(1)}`)
    // The counts sit above the arrow's longest segment.
    let at = {x: sec.startPoint.x, y: sec.startPoint.y, len: -1}
    for (let i = 1; i < points.length; i++) {
      const [a, b] = [points[i - 1]!, points[i]!]
      const len = Math.hypot(b.x - a.x, b.y - a.y)
      if (len > at.len) at = {x: (a.x + b.x) / 2, y: (a.y + b.y) / 2, len}
    }
    const label = p ? {text: countText(p), x: at.x - (countText(p).length * 5.8) / 2, y: at.y - 5} : undefined
    parts.push(
      `<a class="place" href="#${p ? anchor(e.id) : 'results'}" data-place="${esc(e.id)}" data-status="${p?.status ?? 'none'}" aria-label="${esc(e.id)}: ${esc(countText(p))}">` +
        `<polyline points="${pts.join(' ')}" fill="none" stroke="${c.stroke}" stroke-width="${p ? 3 : 1.5}"${p ? '' : ' stroke-dasharray="5 4"'} marker-end="url(#arrow-${p?.status ?? 'none'})"/>` +
        (label
          ? `<text x="${label.x.toFixed(1)}" y="${label.y.toFixed(1)}" class="edge-label" fill="${c.text}" paint-order="stroke" stroke="#fcfcfc" stroke-width="3">${esc(label.text)}</text>`
          : '') +
        `<title>${esc(e.id.replace('>', ' → '))}: ${esc(countText(p))}</title></a>`,
    )
  }
  const byId = new Map(picture.nodes.map((n) => [n.id, n]))
  for (const n of laid.children) {
    const node = byId.get(n.id)!
    const p = placed.get(n.id)
    const c = COLOURS[p?.status ?? 'none']
    const lines = node.label.map(
      (l, i) =>
        `<text x="${(n.x! + 14).toFixed(1)}" y="${(n.y! + 22 + i * LINE).toFixed(1)}"${i === 0 ? ' class="node-title"' : ''}>${esc(l)}</text>`,
    )
    parts.push(
      `<a class="place" href="#${p ? anchor(n.id) : 'results'}" data-place="${esc(n.id)}" data-kind="${node.kind}" data-status="${p?.status ?? 'none'}" aria-label="${esc(node.label.join(' '))}: ${esc(countText(p))}">` +
        `<rect x="${n.x!.toFixed(1)}" y="${n.y!.toFixed(1)}" width="${n.width}" height="${n.height}" rx="8" fill="${c.fill}" stroke="${c.stroke}" stroke-width="${p ? 2.5 : 1.2}"/>` +
        lines.join('') +
        `<text x="${(n.x! + 14).toFixed(1)}" y="${(n.y! + 22 + node.label.length * LINE).toFixed(1)}" class="counts" fill="${c.text}">${esc(countText(p))}</text>` +
        `<title>${esc(node.label.join(' — '))}: ${esc(countText(p))}</title></a>`,
    )
  }
  const markers = (Object.keys(COLOURS) as (keyof typeof COLOURS)[]).map(
    (s) =>
      `<marker id="arrow-${s}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${COLOURS[s].stroke}"/></marker>`,
  )
  const w = Math.ceil(laid.width)
  const h = Math.ceil(laid.height)
  return `<svg id="picture" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" style="width:100%;max-width:${w}px;height:auto" role="img" aria-label="data-flow picture"><defs>${markers.join('')}</defs>${parts.join('')}</svg>`
}

const CSS = `
:root{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;line-height:1.4}
body{margin:0 auto;max-width:1200px;padding:16px 24px}
h1{font-size:1.5em;margin:0 0 4px}h2{font-size:1.15em;margin:24px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;margin:0 0 12px}
.summary{display:flex;gap:8px;flex-wrap:wrap;margin:8px 0}
.chip{border-radius:12px;padding:2px 10px;font-weight:600;border:1px solid}
.s-pass{background:#e3f4e4;border-color:#2e7d32;color:#1b5e20}.s-warn{background:#fff4d6;border-color:#b7791f;color:#7a4f01}
.s-fail{background:#fde4e4;border-color:#c62828;color:#8e1616}.s-error{background:#f1e4f7;border-color:#6a1b9a;color:#4a126b}
.s-skip{background:#f2f2f2;border-color:#8a8a8a;color:#555}
.picture{overflow-x:auto;border:1px solid #e2e2e2;border-radius:8px;padding:4px;background:#fcfcfc}
#picture text{font-size:12px;font-family:inherit}#picture .node-title{font-weight:700}#picture .counts{font-size:11.5px}
#picture .edge-label{font-size:10.5px}#picture a{cursor:pointer}#picture a:hover rect,#picture a:focus rect{stroke-width:4}
.filters{margin:12px 0;display:flex;gap:14px;flex-wrap:wrap;align-items:center}
table{border-collapse:collapse;width:100%;font-size:.93em}th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid #eee}
th{background:#fafafa}td.st span{display:inline-block;min-width:3.6em;text-align:center}
tr.hl td{background:#fff8c4}.fix{color:#333;margin-top:3px}.fix::before{content:"Fix: ";font-weight:600}
.waiver{color:#7a4f01;margin-top:3px}.stage{color:#555;font-size:.9em}.verdict{white-space:nowrap;margin:1px 0}.target{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em;word-break:break-all}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px}dt{font-weight:600}dd{margin:0}
.notes li{margin:2px 0}
@media print{.filters,.noprint{display:none}body{max-width:none;padding:0}.picture{border:none;overflow:visible}
#picture{max-width:100%;height:auto}*{-webkit-print-color-adjust:exact;print-color-adjust:exact}tr{break-inside:avoid}}
`

const SCRIPT = `
(function(){
  var boxes=document.querySelectorAll('.filters input[data-status]');
  function apply(){
    var on={};boxes.forEach(function(b){on[b.getAttribute('data-status')]=b.checked});
    document.querySelectorAll('tr.result').forEach(function(tr){tr.hidden=!on[tr.getAttribute('data-status')]});
    document.querySelectorAll('section.flow').forEach(function(s){s.hidden=!s.querySelector('tr.result:not([hidden])')});
  }
  boxes.forEach(function(b){b.addEventListener('change',apply)});
  document.querySelectorAll('#picture a.place').forEach(function(a){
    a.addEventListener('click',function(ev){
      ev.preventDefault();
      var place=a.getAttribute('data-place');
      document.querySelectorAll('tr.hl').forEach(function(tr){tr.classList.remove('hl')});
      var rows=[].slice.call(document.querySelectorAll('tr.result')).filter(function(tr){return tr.getAttribute('data-place')===place});
      rows.forEach(function(tr){tr.classList.add('hl');if(tr.hidden){tr.hidden=false;tr.closest('section').hidden=false}});
      if(rows[0])rows[0].scrollIntoView({block:'center'});
    });
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

/** The report as one self-contained HTML page. */
export async function renderHtml(report: Report): Promise<string> {
  const merged = report.runs !== undefined
  const first = new Set<string>()
  const rows = (rs: readonly CheckResult[]) =>
    rs
      .map((r) => {
        const place = r.place ?? ''
        const id = place && !first.has(place) ? (first.add(place), ` id="${anchor(place)}"`) : ''
        return (
          `<tr class="result" data-status="${r.status}" data-place="${esc(place)}" data-check="${esc(r.id)}"${id}>` +
          `<td class="st"><span class="chip s-${r.status}">${r.status.toUpperCase()}</span></td>` +
          `<td><b>${esc(r.id)}</b><div class="target">${esc(r.target)}</div>${r.stage ? `<div class="stage">stage ${esc(r.stage)}</div>` : ''}</td>` +
          (merged ? `<td>${hostsCell(r)}</td>` : '') +
          `<td>${esc(r.message)}` +
          (r.remediation ? `<div class="fix">${esc(r.remediation)}</div>` : '') +
          (r.waiver
            ? `<div class="waiver">waiver: ${esc(r.waiver.reason)} (until ${esc(r.waiver.until)}${r.waiver.expired ? ', expired' : ''})</div>`
            : '') +
          `</td><td><a href="${esc(r.docs)}" rel="noreferrer">docs</a></td></tr>`
        )
      })
      .join('')
  const sections = (Object.keys(FLOWS) as (keyof typeof FLOWS)[])
    .map((flow) => {
      const rs = report.results.filter((r) => r.flow === flow)
      if (rs.length === 0) return ''
      return (
        `<section class="flow" data-flow="${flow}"><h2>${esc(FLOWS[flow])}</h2><table><thead><tr><th>Status</th><th>Check</th>${merged ? '<th>Host</th>' : ''}<th>Result</th><th></th></tr></thead>` +
        `<tbody>${rows(rs)}</tbody></table></section>`
      )
    })
    .join('')
  const s = report.summary
  const chips = STATUSES.map((st) => `<span class="chip s-${st}">${s[st]} ${st}</span>`).join('')
  const filters = STATUSES.map(
    (st) => `<label><input type="checkbox" data-status="${st}" checked> ${st} (${s[st]})</label>`,
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
  const roles = report.runs?.some((r) => r.host.role)
  const runs = report.runs
    ? `<h2>Hosts</h2><table><thead><tr><th>Host</th>${roles ? '<th>Role</th>' : ''}<th>Installation</th><th>Stage</th><th>Started</th><th>Summary</th><th>Exit</th></tr></thead><tbody>${report.runs
        .map(
          (r) =>
            `<tr><td>${esc(r.label ?? r.host.name)}</td>${roles ? `<td>${esc(r.host.role ?? '')}</td>` : ''}<td>${esc(r.host.agent ? `agent ${r.host.agent}` : (r.host.component ?? ''))}</td><td>${esc(r.stage)}</td><td>${esc(r.startedAt)}</td><td>${STATUSES.filter(
              (x) => r.summary[x],
            )
              .map((x) => `${r.summary[x]} ${x}`)
              .join(', ')}</td><td>${r.exitCode}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : ''
  // An installation has at most 100 agents: a saved report with far more boxes is not one of
  // ours, and laying it out could take minutes. It is said, not drawn.
  const drawable =
    report.picture && report.picture.nodes.length <= MAX_NODES && report.picture.links.length <= MAX_NODES * 4
  const picture = drawable
    ? await pictureSvg(report.picture!, report.results)
    : report.picture
      ? `<p class="meta">The picture is left out: ${report.picture.nodes.length} components and ${report.picture.links.length} links are more than an installation has.</p>`
      : ''
  const title = `idm-preflight: ${report.environment}`
  const who = merged
    ? `${report.runs!.length} hosts`
    : report.host
      ? `host ${report.host.name}${report.host.agent ? ` (agent ${report.host.agent})` : ''}`
      : ''
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>
<header><h1>${esc(title)}</h1>
<p class="meta">${esc(report.topology)} · stage ${esc(report.stage)} · ${esc(who)} · ${esc(report.startedAt)} · idm-preflight ${esc(report.tool.version)}${report.strict ? ' · strict' : ''}${report.interrupted ? ' · <b>interrupted</b>' : ''} · exit ${report.exitCode}</p>
<div class="summary">${chips}</div></header>
${picture ? `<div class="picture">${picture}</div>` : ''}
<div class="filters noprint" role="group" aria-label="filter by status"><b>Show:</b>${filters}</div>
<main id="results">${sections}</main>
${runs}
${report.notes.length ? `<h2>Notes</h2><ul class="notes">${report.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
${envRows ? `<h2>Environment</h2><dl>${envRows}</dl>` : ''}
<script>${SCRIPT}</script>
</body></html>
`
}
