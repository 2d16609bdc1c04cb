import {SEVERITY, STATUSES, type Status} from '../../model/index.js'
import {placesAbout, type Picture, type PictureNode, worst, type CheckResult} from '../index.js'

/**
 * The data-flow picture of the HTML report, laid out by elkjs (layered) at report time and drawn
 * as inline SVG. Every box is coloured by the worst result about its component (its own checks
 * and those of the arrows into it: `placesAbout`) and says its counts; every arrow by the worst
 * result on that path, its counts on it in a gap ELK leaves (never over a box, another arrow or
 * another label: test/browser/report-html.test.ts measures it). Past GROUP_FROM agents, agents
 * with the same results share one box ("12 agents: all pass") that lists them on click, and the
 * managed systems they reach, of one colour, too.
 */

export type Shown = Status | 'none'

export const COLOURS: Record<Shown, {fill: string; stroke: string; text: string}> = {
  pass: {fill: '#e3f4e4', stroke: '#2e7d32', text: '#1b5e20'},
  warn: {fill: '#fff4d6', stroke: '#b7791f', text: '#7a4f01'},
  fail: {fill: '#fde4e4', stroke: '#c62828', text: '#8e1616'},
  error: {fill: '#f1e4f7', stroke: '#6a1b9a', text: '#4a126b'},
  skip: {fill: '#f2f2f2', stroke: '#8a8a8a', text: '#555555'},
  none: {fill: '#ffffff', stroke: '#b0b0b0', text: '#777777'},
}

export const esc = (s: unknown): string =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'})[c]!,
  )

export interface Tally {
  status: Shown
  counts: Partial<Record<Status, number>>
}

const empty = (): Tally => ({status: 'none', counts: {}})

function addTo(t: Tally, more: Tally | undefined): Tally {
  if (!more) return t
  for (const s of STATUSES) if (more.counts[s]) t.counts[s] = (t.counts[s] ?? 0) + more.counts[s]!
  if (more.status !== 'none') t.status = t.status === 'none' ? more.status : worst([t.status, more.status])
  return t
}

/** Counts by place of the results. */
function tallyByPlace(results: readonly CheckResult[]): Map<string, Tally> {
  const out = new Map<string, Tally>()
  for (const r of results) {
    const key = r.place ?? ''
    const t = out.get(key) ?? empty()
    t.counts[r.status] = (t.counts[r.status] ?? 0) + 1
    t.status = t.status === 'none' ? r.status : worst([t.status, r.status])
    out.set(key, t)
  }
  return out
}

/** `2 fail · 5 pass · 1 skip`, worst first; `nothing checked` when there is no result. */
export const countText = (t: Tally | undefined) =>
  t && t.status !== 'none'
    ? STATUSES.filter((s) => t.counts[s])
        .sort((a, b) => SEVERITY[b] - SEVERITY[a])
        .map((s) => `${t.counts[s]} ${s}`)
        .join(' · ')
    : 'nothing checked'

/** Boxes drawn at most (100 agents and the rest are about 110). */
export const MAX_NODES = 300
/** Agents drawn one box each up to this many; past it, agents with the same results share a box. */
export const GROUP_FROM = 8
/** Past this many boxes, the quicker layout (bench/report.ts: 100 agents, all different, in time). */
const BIG = 40
/** A label longer than this is cut (a box stays readable). */
const MAX_LABEL = 80
const cut = (l: string) => (l.length > MAX_LABEL ? `${l.slice(0, MAX_LABEL - 1)}…` : l)

/**
 * Advance widths of the printable ASCII characters at 100 px, regular and bold, of DejaVu Sans:
 * the font Chromium falls back to on Linux and wider than Segoe UI, San Francisco or Roboto, so
 * that a box sized with them holds its text in those too. Anything else counts a full em. The
 * page's script still narrows a text that would not fit (a font wider still).
 */
const WIDTHS = {
  normal: [
    32, 40, 46, 84, 64, 95, 78, 27, 39, 39, 50, 84, 32, 36, 32, 34, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 34, 34, 84,
    84, 84, 53, 100, 68, 69, 70, 77, 63, 58, 77, 75, 29, 29, 66, 56, 86, 75, 79, 60, 79, 69, 63, 61, 73, 68, 99, 69, 61,
    69, 39, 34, 39, 84, 50, 50, 61, 63, 55, 63, 62, 35, 63, 63, 28, 28, 58, 28, 97, 63, 61, 63, 63, 41, 52, 39, 63, 59,
    82, 59, 59, 52, 64, 34, 64, 84,
  ],
  bold: [
    35, 46, 52, 84, 70, 100, 87, 31, 46, 46, 52, 84, 38, 42, 38, 37, 70, 70, 70, 70, 70, 70, 70, 70, 70, 70, 40, 40, 84,
    84, 84, 58, 100, 77, 76, 73, 83, 68, 68, 82, 84, 37, 37, 77, 64, 100, 84, 85, 73, 85, 77, 72, 68, 81, 77, 110, 77,
    72, 73, 46, 37, 46, 84, 50, 50, 67, 72, 59, 72, 68, 44, 72, 71, 34, 34, 67, 34, 104, 71, 69, 72, 72, 49, 60, 48, 71,
    65, 92, 65, 65, 58, 71, 37, 71, 84,
  ],
}
/** The width a text takes at a font size (px), a little more than measured. */
export function textWidth(s: string, px: number, bold = false): number {
  const table = bold ? WIDTHS.bold : WIDTHS.normal
  let w = 0
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    w += c >= 32 && c < 127 ? table[c - 32]! : c === 0xb7 ? 38 : 100
  }
  return Math.ceil(((w * px) / 100) * 1.04)
}

const FONT = {title: 12, line: 12, counts: 11.5, edge: 10.5}
const LINE = 17
const PAD_X = 14
const PAD_TOP = 21
const EDGE_LABEL_H = 15
/** Room a group's box keeps for the two cards drawn behind it. */
const STACK = 6

/** What one component's box would say: a member of a group. */
export interface Member {
  id: string
  label: string[]
  /** The places whose results it shows (its own and the arrows into it: `placesAbout`). */
  about: string[]
  tally: Tally
}

/** A box of the picture: a component, or several alike (agents, or the managed systems they reach). */
export interface Box extends Member {
  kind: PictureNode['kind']
  /** What the counts line says: the counts, or for a group each member's or all of theirs. */
  counts: string
  /** The components of a group. */
  members?: Member[]
}

export interface Arrow {
  id: string
  from: string
  to: string
  about: string[]
  tally: Tally
}

interface Model {
  boxes: Box[]
  arrows: Arrow[]
}

/**
 * The boxes and arrows to draw: the picture cleaned (a saved report is input); past GROUP_FROM
 * agents, agents with the same results in one box, or if that still leaves too many, agents
 * alike at a glance (the same colour on the box and on each arrow); the managed systems of a
 * group's agents, of one colour, in one box too.
 */
export function pictureModel(given: Picture, results: readonly CheckResult[]): Model {
  const byPlace = tallyByPlace(results)
  // Each id once, and no arrow to a box that is not there (ELK would refuse the whole graph).
  const ids = new Set<string>()
  const nodes = given.nodes
    .filter((n) => !ids.has(n.id) && ids.add(n.id))
    .map((n) => ({...n, label: n.label.slice(0, 4).map(cut)}))
  const linkIds = new Set<string>()
  const links = given.links.filter(
    (l) => ids.has(l.from) && ids.has(l.to) && !ids.has(l.id) && !linkIds.has(l.id) && linkIds.add(l.id),
  )
  const sum = (places: readonly string[]) => places.reduce((t, p) => addTo(t, byPlace.get(p)), empty())
  const boxes: Box[] = nodes.map((n) => {
    const about = placesAbout({links}, n.id)
    const tally = sum(about)
    return {id: n.id, kind: n.kind, label: n.label, about, tally, counts: countText(tally)}
  })
  const arrows: Arrow[] = links.map((l) => ({...l, about: [l.id], tally: sum([l.id])}))
  const agents = boxes.filter((b) => b.kind === 'agent')
  if (agents.length <= GROUP_FROM) return {boxes, arrows}
  // A group's id is none of the report's (a crafted one may hold `group:1`).
  const taken = new Set([...ids, ...linkIds])
  const fresh = (id: string) => {
    let out = id
    for (let i = 2; taken.has(out); i++) out = `${id}~${i}`
    taken.add(out)
    return out
  }

  // The same results: the same checks with the same verdicts on the box and on each of its
  // arrows, the agent's name left out. An arrow to a managed system counts by its verdicts only:
  // each agent reaches its own.
  const verdicts = new Map<string, string[]>()
  for (const r of results) {
    const key = r.place ?? ''
    const list = verdicts.get(key) ?? []
    list.push(`${r.id} ${r.status}`)
    verdicts.set(key, list)
  }
  const kinds = new Map(boxes.map((b) => [b.id, b.kind]))
  const relative = (a: string, l: {from: string; to: string}) =>
    `${l.from === a ? '*' : l.from}>${l.to === a ? '*' : kinds.get(l.to) === 'system' ? 'system' : l.to}`
  const shape = (a: string, of: (place: string) => string, systems = true) =>
    JSON.stringify(
      [
        `@ ${of(a)}`,
        ...links
          .filter((l) => (l.from === a || l.to === a) && (systems || kinds.get(l.to) !== 'system'))
          .map((l) => `${relative(a, l)} ${of(l.id)}`),
      ].sort(),
    )
  const exactly = (a: string) => shape(a, (p) => [...(verdicts.get(p) ?? [])].sort().join(','))
  // Still too many boxes: agents alike at a glance share one, the same colour on the box and on
  // each arrow but those to their managed systems, which the systems' boxes show (grouped by
  // colour below). Each agent's own counts are in the group's list.
  const atAGlance = (a: string) => shape(a, (p) => (p === a ? sum(placesAbout({links}, a)) : sum([p])).status, false)
  let alike: 'same' | 'colour' = 'same'
  let sets = partition(agents, (b) => exactly(b.id))
  const left = agents.length - sets.reduce((n, x) => n + x.length - 1, 0)
  if (left > GROUP_FROM) {
    alike = 'colour'
    sets = partition(agents, (b) => atAGlance(b.id))
  }
  let model = fold({boxes, arrows}, sets, (members, n) => {
    const tally = members.reduce((t, m) => addTo(t, m.tally), empty())
    return {
      id: fresh(`group:${n}`),
      kind: 'agent',
      label: [
        `${members.length} agents${verdict(tally.status, alike)}`,
        names(members.map((m) => (m.label[0] ?? m.id).replace(/^Agent /, ''))),
      ],
      about: members.flatMap((m) => m.about),
      tally,
      counts: alike === 'same' ? `each: ${countText(members[0]!.tally)}` : `in all: ${countText(tally)}`,
      members: members.map(({id, label, about, tally}) => ({id, label, about, tally})),
    }
  })
  // The managed systems only a group's agents reach, of one colour, in one box.
  for (const g of model.boxes.filter((b) => b.members && b.kind === 'agent')) {
    const into = (id: string) => model.arrows.filter((a) => a.to === id)
    const systems = model.boxes.filter(
      (b) => b.kind === 'system' && !b.members && into(b.id).every((a) => a.from === g.id),
    )
    model = fold(
      model,
      partition(systems, (b) => b.tally.status),
      (members, n) => {
        const tally = members.reduce((t, m) => addTo(t, m.tally), empty())
        return {
          id: fresh(`${g.id}/systems:${n}`),
          kind: 'system',
          label: [
            `${members.length} managed systems${verdict(tally.status, 'colour')}`,
            names(members.map((m) => m.label[0] ?? m.id)),
          ],
          about: members.flatMap((m) => m.about),
          tally,
          counts: `in all: ${countText(tally)}`,
          members: members.map(({id, label, about, tally}) => ({id, label, about, tally})),
        }
      },
    )
  }
  return model
}

/** The sets of two or more boxes with the same key, in the order of their first. */
function partition(boxes: readonly Box[], key: (b: Box) => string): Box[][] {
  const out = new Map<string, Box[]>()
  for (const b of boxes) {
    const k = key(b)
    out.set(k, [...(out.get(k) ?? []), b])
  }
  return [...out.values()].filter((s) => s.length > 1)
}

/** Each set of boxes as one box (where its first was), their arrows as the group's. */
function fold(m: Model, sets: readonly Box[][], make: (members: Box[], n: number) => Box): Model {
  const groupOf = new Map<string, Box>()
  sets.forEach((members, i) => {
    const g = make(members, i + 1)
    for (const x of members) groupOf.set(x.id, g)
  })
  if (groupOf.size === 0) return m
  const boxes = m.boxes.flatMap((b) => {
    const g = groupOf.get(b.id)
    return !g ? [b] : g.members![0]!.id === b.id ? [g] : []
  })
  const merged = new Map<string, Arrow>()
  for (const a of m.arrows) {
    const from = groupOf.get(a.from)?.id ?? a.from
    const to = groupOf.get(a.to)?.id ?? a.to
    const id = from === a.from && to === a.to ? a.id : `${from}>${to}`
    const arrow = merged.get(id) ?? {id, from, to, about: [], tally: empty()}
    arrow.about.push(...a.about)
    addTo(arrow.tally, a.tally)
    merged.set(id, arrow)
  }
  return {boxes, arrows: [...merged.values()]}
}

/** What a group's title says of its members. */
function verdict(status: Shown, alike: 'same' | 'colour'): string {
  if (status === 'pass') return ': all pass'
  if (status === 'none') return ': nothing checked'
  if (status === 'skip') return ': only skips'
  if (alike === 'same') return ': same results'
  return ` with ${{fail: 'a failure', error: 'an error', warn: 'a warning'}[status]} each`
}

const names = (all: readonly string[]) =>
  cut(all.length > 2 ? `${all.slice(0, 2).join(', ')}, … (click for all)` : all.join(', '))

interface ElkLabel {
  text: string
  x?: number
  y?: number
  width: number
  height: number
}
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
  labels?: ElkLabel[]
  sections?: {
    startPoint: {x: number; y: number}
    endPoint: {x: number; y: number}
    bendPoints?: {x: number; y: number}[]
  }[]
}

const boxLines = (b: Box) => [...b.label, b.counts]
/** The widest line of a box: its title bold, the counts smaller. */
function boxSize(b: Box): {width: number; height: number} {
  const lines = boxLines(b)
  const widths = lines.map((l, i) =>
    i === 0 ? textWidth(l, FONT.title, true) : textWidth(l, i === lines.length - 1 ? FONT.counts : FONT.line),
  )
  const extra = b.members ? STACK : 0
  return {
    width: Math.max(130, Math.max(...widths) + 2 * PAD_X) + extra,
    height: PAD_TOP + (lines.length - 1) * LINE + 12 + extra,
  }
}

/** The picture as SVG (laid out by elkjs) and, for each group of agents, its list. */
export async function pictureSvg(
  given: Picture,
  results: readonly CheckResult[],
  /** Where a click leads without the page's script: the row of the worst result of these places. */
  href: (places: readonly string[]) => string,
): Promise<{svg: string; boxes: Box[]; arrows: Arrow[]}> {
  const {boxes, arrows} = pictureModel(given, results)
  const {default: ELK} = (await import('elkjs/lib/elk.bundled.js')) as unknown as {
    default: new () => {
      layout(g: unknown): Promise<{width: number; height: number; children: ElkNode[]; edges: ElkEdge[]}>
    }
  }
  const arrowText = (a: Arrow) => (a.tally.status === 'none' ? '' : countText(a.tally))
  // A big picture (many agents with different results) is laid out faster, its arrows into one
  // box merged into one line (a bus) rather than side by side.
  const big = boxes.length > BIG
  const degree = new Map<string, number>()
  if (!big) for (const a of arrows) for (const end of [a.from, a.to]) degree.set(end, (degree.get(end) ?? 0) + 1)
  const graph = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.spacing.nodeNode': '24',
      'elk.layered.spacing.nodeNodeBetweenLayers': '40',
      // Arrows keep their distance from boxes they do not touch, and from each other.
      'elk.spacing.edgeNode': '16',
      'elk.layered.spacing.edgeNodeBetweenLayers': '16',
      'elk.spacing.edgeEdge': '10',
      'elk.layered.spacing.edgeEdgeBetweenLayers': '10',
      'elk.spacing.componentComponent': '30',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      ...(big
        ? {'elk.layered.thoroughness': '1', 'elk.layered.mergeEdges': 'true'}
        : {'elk.layered.thoroughness': '7', 'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX'}),
      'elk.padding': '[top=12,left=12,bottom=12,right=12]',
    },
    children: boxes.map((b) => {
      const size = boxSize(b)
      // Room on a box's side for each of its arrows, apart.
      return {id: b.id, ...size, height: Math.max(size.height, (degree.get(b.id) ?? 0) * 12)}
    }),
    edges: arrows.map((a) => {
      const text = arrowText(a)
      return {
        id: a.id,
        sources: [a.from],
        targets: [a.to],
        // Each arrow's counts on it (ELK leaves it a gap in the line): never beside another's.
        ...(text
          ? {
              labels: [
                {
                  text,
                  width: textWidth(text, FONT.edge) + 8,
                  height: EDGE_LABEL_H,
                  layoutOptions: {'elk.edgeLabels.inline': 'true', 'elk.edgeLabels.placement': 'CENTER'},
                },
              ],
            }
          : {}),
      }
    }),
  }
  const laid = await new ELK().layout(graph)
  const parts: string[] = []
  const labels: string[] = []
  const byArrow = new Map(arrows.map((a) => [a.id, a]))
  const byBox = new Map(boxes.map((b) => [b.id, b]))
  const about = (places: readonly string[]) => esc(JSON.stringify(places))
  // The worst drawn last: where arrows share a line (a bus), it shows the worst of them.
  const rank = (id: string) => {
    const t = byArrow.get(id)!.tally.status
    return t === 'none' ? -1 : SEVERITY[t]
  }
  for (const e of [...laid.edges].sort((x, y) => rank(x.id) - rank(y.id))) {
    const a = byArrow.get(e.id)!
    const shown = a.tally.status
    const c = COLOURS[shown]
    const sec = e.sections?.[0]
    if (!sec) continue
    const points = [sec.startPoint, ...(sec.bendPoints ?? []), sec.endPoint]
    const pts = points.map((q) => `${q.x.toFixed(1)},${q.y.toFixed(1)}`).join(' ')
    const checked = shown !== 'none'
    const name = `${byBox.get(a.from)?.label[0] ?? a.from} → ${byBox.get(a.to)?.label[0] ?? a.to}`
    const l = e.labels?.[0]
    parts.push(
      `<a class="place arrow" href="${esc(href(a.about))}" data-place="${esc(a.id)}" data-from="${esc(a.from)}" data-to="${esc(a.to)}" data-status="${shown}" data-about="${about(a.about)}" aria-label="${esc(name)}: ${esc(countText(a.tally))}">` +
        // A wide transparent stroke under the arrow: easier to point at.
        `<polyline points="${pts}" fill="none" stroke="transparent" stroke-width="10"/>` +
        `<polyline class="line" points="${pts}" fill="none" stroke="${c.stroke}" stroke-width="${checked ? 2.5 : 1.5}"${checked ? '' : ' stroke-dasharray="5 4"'} marker-end="url(#arrow-${shown})"/>` +
        `<title>${esc(name)}: ${esc(countText(a.tally))}</title></a>`,
    )
    if (l && l.x !== undefined && l.y !== undefined)
      // Labels over every arrow: drawn last but for the boxes, which they never touch.
      labels.push(
        `<g class="edge-label" data-for="${esc(a.id)}"><rect x="${l.x.toFixed(1)}" y="${l.y.toFixed(1)}" width="${l.width}" height="${l.height}" rx="3" fill="#fcfcfc" fill-opacity="0.92"/>` +
          `<text x="${(l.x + 4).toFixed(1)}" y="${(l.y + l.height - 4).toFixed(1)}" fill="${c.text}" data-w="${l.width - 8}">${esc(l.text)}</text></g>`,
      )
  }
  for (const n of laid.children) {
    const b = byBox.get(n.id)!
    const shown = b.tally.status
    const c = COLOURS[shown]
    const x = n.x!
    const y = n.y!
    const stack = b.members ? STACK : 0
    const w = n.width - stack
    const h = n.height - stack
    const lines = boxLines(b)
    const texts = lines.map((l, i) => {
      const cls = i === 0 ? ' class="node-title"' : i === lines.length - 1 ? ` class="counts" fill="${c.text}"` : ''
      return `<text x="${(x + PAD_X).toFixed(1)}" y="${(y + PAD_TOP + i * LINE).toFixed(1)}"${cls} data-w="${w - 2 * PAD_X}">${esc(l)}</text>`
    })
    const cards = b.members
      ? [2, 1]
          .map(
            (k) =>
              `<rect x="${(x + (k * stack) / 2).toFixed(1)}" y="${(y + (k * stack) / 2).toFixed(1)}" width="${w}" height="${h}" rx="8" fill="${c.fill}" stroke="${c.stroke}" stroke-width="1.2"/>`,
          )
          .join('')
      : ''
    const members = b.members ? ` data-members="${about(b.members.map((m) => m.id))}"` : ''
    parts.push(
      `<a class="place box" href="${esc(href(b.about))}" data-place="${esc(b.id)}" data-kind="${b.kind}" data-status="${shown}" data-about="${about(b.about)}"${members} aria-label="${esc(b.label.join(' '))}: ${esc(b.counts)}">` +
        cards +
        `<rect class="frame" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${w}" height="${h}" rx="8" fill="${c.fill}" stroke="${c.stroke}" stroke-width="${shown === 'none' ? 1.2 : 2.5}"/>` +
        texts.join('') +
        `<title>${esc(b.label.join(' — '))}: ${esc(b.counts)}${b.members ? '' : ' (its own checks and those of the arrows into it)'}</title></a>`,
    )
  }
  const markers = (Object.keys(COLOURS) as Shown[]).map(
    (s) =>
      `<marker id="arrow-${s}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${COLOURS[s].stroke}"/></marker>`,
  )
  const w = Math.ceil(laid.width)
  const h = Math.ceil(laid.height)
  const svg = `<svg id="picture" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" style="width:100%;max-width:${w}px;height:auto" role="img" aria-label="data-flow picture"><defs>${markers.join('')}</defs>${parts.join('')}${labels.join('')}</svg>`
  return {svg, boxes, arrows}
}
