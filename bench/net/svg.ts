/**
 * The throughput chart (bench/results/latest.svg): MB/s against message
 * size, both on log scales, one panel per placement and one line per
 * contender, with the min–max of the reps as a bar at each point.
 *
 * Built by hand as a string, so the bench needs no chart dependency, and
 * deterministic (fixed layout, fixed number formatting, no dates unless the
 * caller puts one in the subtitle), so the same figures give the same bytes
 * and a regenerated chart only shows in a diff when a figure moved. The
 * white background keeps it readable on GitHub's dark theme too. Pure.
 *
 * @module
 */
import { formatSize } from '../harness.js'
import type { ThroughputFigure } from './figures.js'
import { CONTENDERS, MESSAGE_SIZES, PLACEMENTS } from './types.js'
import type { Contender, Placement } from './types.js'

export interface ChartOptions {
  /** Default: "Throughput against message size, one stream". */
  title?: string
  /** A second line under the title (date, Node version, quick run...). */
  subtitle?: string
}

/** Escapes text for XML content and attribute values. */
export function escapeXml (text: string): string {
  return text.replace(/[&<>"']/g, (c) => {
    switch (c) {
      case '&': return '&amp;'
      case '<': return '&lt;'
      case '>': return '&gt;'
      case '"': return '&quot;'
      default: return '&apos;'
    }
  })
}

/** Maps [domain] onto [range] logarithmically; the domain must be positive. */
export function logScale (domain: readonly [number, number], range: readonly [number, number]): (value: number) => number {
  const [d0, d1] = [Math.log10(domain[0]), Math.log10(domain[1])]
  const [r0, r1] = range
  return (value) => r0 + (Math.log10(value) - d0) / (d1 - d0) * (r1 - r0)
}

// GitHub's Primer palette, dark enough on white; dashes tell the lines apart without colour.
const COLOR: Readonly<Record<Contender, string>> = { tcp: '#6e7781', libp2p: '#0969da', glueberry: '#bf3989', 'secret-stream': '#1a7f37' }
const DASH: Readonly<Record<Contender, string | undefined>> = { tcp: '2 4', libp2p: '8 4', glueberry: undefined, 'secret-stream': '1 3' }
const LEGEND: Readonly<Record<Contender, string>> = { tcp: 'tcp (node:net)', libp2p: 'raw libp2p', glueberry: 'glueberry', 'secret-stream': 'secret-stream (one pipe)' }
const PANEL_TITLE: Readonly<Record<Placement, string>> = {
  'in-proc': 'in-proc: both ends in one process',
  '2-proc': '2-proc: receiver in a child process'
}

const TEXT = '#1f2328'
const MUTED = '#57606a'
const GRID = '#d0d7de'
const GRID_MINOR = '#eaeef2'
const FRAME = '#8c959f'
const FONT = 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif'

const PANEL_W = 340
const PANEL_H = 250
const LEFT = 84
const GAP = 96
const RIGHT = 28
const TOP = 100
const BOTTOM = 96

/** Numbers to at most one decimal: enough on screen, and stable text. */
const n = (x: number): string => Number.isInteger(x) ? String(x) : x.toFixed(1)

function attrs (values: Readonly<Record<string, string | number | undefined>>): string {
  return Object.entries(values)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(typeof v === 'number' ? n(v) : v)}"`)
    .join('')
}

function text (x: number, y: number, content: string, extra: Readonly<Record<string, string | number | undefined>> = {}): string {
  return `<text${attrs({ x, y, ...extra })}>${escapeXml(content)}</text>`
}

function line (x1: number, y1: number, x2: number, y2: number, stroke: string, extra: Readonly<Record<string, string | number | undefined>> = {}): string {
  return `<line${attrs({ x1, y1, x2, y2, stroke, ...extra })}/>`
}

/** Decade labels: 0.01, 0.1, 1, 10, 100, 1000. */
function decadeLabel (value: number): string {
  return value >= 1 ? String(Math.round(value)) : value.toPrecision(1)
}

const usable = (x: number): boolean => Number.isFinite(x) && x > 0

/** Whole decades covering every plotted value (at least one decade). */
function yDomain (figures: readonly ThroughputFigure[]): [number, number] {
  const values = figures.flatMap((f) => [f.mbPerSec.median, f.mbPerSec.min, f.mbPerSec.max]).filter(usable)
  if (values.length === 0) return [1, 1000]
  const lo = Math.floor(Math.log10(Math.min(...values)))
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...values))))
  return [10 ** lo, 10 ** hi]
}

interface Panel {
  placement: Placement
  x0: number
  x: (size: number) => number
  y: (mb: number) => number
}

function panelFrame (panel: Panel, sizes: readonly number[], yTicks: readonly number[], yMinor: readonly number[]): string[] {
  const { x0 } = panel
  const x1 = x0 + PANEL_W
  const yBottom = TOP + PANEL_H
  return [
    text(x0 + PANEL_W / 2, TOP - 12, PANEL_TITLE[panel.placement], { 'text-anchor': 'middle', 'font-size': 13, 'font-weight': '600', fill: TEXT }),
    ...yMinor.map((v) => line(x0, panel.y(v), x1, panel.y(v), GRID_MINOR)),
    ...yTicks.map((v) => line(x0, panel.y(v), x1, panel.y(v), GRID)),
    ...sizes.map((s) => line(panel.x(s), TOP, panel.x(s), yBottom, GRID)),
    `<rect${attrs({ x: x0, y: TOP, width: PANEL_W, height: PANEL_H, fill: 'none', stroke: FRAME })}/>`,
    ...yTicks.map((v) => text(x0 - 8, panel.y(v) + 4, decadeLabel(v), { 'text-anchor': 'end', 'font-size': 11, fill: MUTED })),
    ...sizes.map((s) => text(panel.x(s), yBottom + 18, formatSize(s), { 'text-anchor': 'middle', 'font-size': 11, fill: MUTED })),
    text(x0 + PANEL_W / 2, yBottom + 40, 'message size (log scale)', { 'text-anchor': 'middle', 'font-size': 12, fill: TEXT })
  ]
}

function series (panel: Panel, contender: Contender, figures: readonly ThroughputFigure[]): string[] {
  const points = figures
    .filter((f) => f.contender === contender && f.placement === panel.placement && usable(f.mbPerSec.median))
    .sort((a, b) => a.size - b.size)
  if (points.length === 0) return []
  const color = COLOR[contender]
  const bars = points
    .filter((f) => usable(f.mbPerSec.min) && usable(f.mbPerSec.max) && f.mbPerSec.max > f.mbPerSec.min)
    .map((f) => line(panel.x(f.size), panel.y(f.mbPerSec.min), panel.x(f.size), panel.y(f.mbPerSec.max), color, { 'stroke-width': 1.5, 'stroke-opacity': '0.45' }))
  const polyline = `<polyline${attrs({
    'data-series': `${contender} ${panel.placement}`,
    points: points.map((f) => `${n(panel.x(f.size))},${n(panel.y(f.mbPerSec.median))}`).join(' '),
    fill: 'none',
    stroke: color,
    'stroke-width': 2.25,
    'stroke-linejoin': 'round',
    'stroke-dasharray': DASH[contender]
  })}/>`
  const markers = points.map((f) =>
    `<circle${attrs({ cx: panel.x(f.size), cy: panel.y(f.mbPerSec.median), r: 3.5, fill: color, stroke: '#ffffff', 'stroke-width': 1 })}/>`)
  return [...bars, polyline, ...markers]
}

function legend (contenders: readonly Contender[], width: number, y: number): string[] {
  const step = 150
  const start = width / 2 - (contenders.length * step) / 2
  return contenders.flatMap((c, i) => {
    const x = start + i * step
    return [
      line(x, y, x + 32, y, COLOR[c], { 'stroke-width': 2.25, 'stroke-dasharray': DASH[c] }),
      `<circle${attrs({ cx: x + 16, cy: y, r: 3.5, fill: COLOR[c], stroke: '#ffffff', 'stroke-width': 1 })}/>`,
      text(x + 40, y + 4, LEGEND[c], { 'font-size': 12, fill: TEXT })
    ]
  })
}

/** The chart of a run's throughput figures, as an SVG document. */
export function renderThroughputSvg (figures: readonly ThroughputFigure[], options: ChartOptions = {}): string {
  const plotted = figures.filter((f) => usable(f.mbPerSec.median))
  const placements = PLACEMENTS.filter((p) => plotted.some((f) => f.placement === p))
  const contenders = CONTENDERS.filter((c) => plotted.some((f) => f.contender === c))
  const panels = Math.max(1, placements.length)
  const width = LEFT + panels * PANEL_W + (panels - 1) * GAP + RIGHT
  const height = TOP + PANEL_H + BOTTOM
  const title = options.title ?? 'Throughput against message size, one stream'

  const measured = [...new Set(plotted.map((f) => f.size))].sort((a, b) => a - b)
  const sizes = measured.length > 0 ? measured : [...MESSAGE_SIZES]
  // Half a step of padding either side (log), so the end points sit inside the frame.
  const xDomain: [number, number] = [sizes[0] / 2, sizes[sizes.length - 1] * 2]
  const [yLo, yHi] = yDomain(plotted)
  const yTicks: number[] = []
  for (let v = yLo; v <= yHi * 1.0001; v *= 10) yTicks.push(v)
  // Minor lines at 2x and 5x each decade, while there are few enough decades to keep them apart.
  const yMinor = yTicks.length <= 5 ? yTicks.slice(0, -1).flatMap((v) => [2 * v, 5 * v]) : []

  const body: string[] = []
  if (plotted.length === 0) {
    body.push(text(width / 2, TOP + PANEL_H / 2, 'no throughput figures in this run', { 'text-anchor': 'middle', 'font-size': 14, fill: MUTED }))
  }
  placements.forEach((placement, i) => {
    const x0 = LEFT + i * (PANEL_W + GAP)
    const panel: Panel = {
      placement,
      x0,
      x: logScale(xDomain, [x0, x0 + PANEL_W]),
      y: logScale([yLo, yHi], [TOP + PANEL_H, TOP])
    }
    body.push(`<g${attrs({ 'data-placement': placement })}>`)
    body.push(...panelFrame(panel, sizes, yTicks, yMinor))
    for (const contender of contenders) body.push(...series(panel, contender, plotted))
    body.push('</g>')
  })
  const yLabelX = 22
  const yLabelY = TOP + PANEL_H / 2

  return [
    `<svg${attrs({ xmlns: 'http://www.w3.org/2000/svg', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'chart-title chart-desc', 'font-family': FONT })}>`,
    `<title id="chart-title">${escapeXml(title)}</title>`,
    `<desc id="chart-desc">${escapeXml('MB/s of payload against message size, log scales; one line per contender, one panel per placement; bars show the slowest and fastest rep.')}</desc>`,
    `<rect${attrs({ x: 0, y: 0, width, height, fill: '#ffffff' })}/>`,
    text(width / 2, 30, title, { 'text-anchor': 'middle', 'font-size': 17, 'font-weight': '600', fill: TEXT }),
    ...(options.subtitle !== undefined ? [text(width / 2, 52, options.subtitle, { 'text-anchor': 'middle', 'font-size': 12, fill: MUTED })] : []),
    text(yLabelX, yLabelY, 'MB/s of payload (log scale)', { 'text-anchor': 'middle', 'font-size': 12, fill: TEXT, transform: `rotate(-90 ${n(yLabelX)} ${n(yLabelY)})` }),
    ...body,
    ...legend(contenders, width, height - 22),
    '</svg>',
    ''
  ].join('\n')
}
