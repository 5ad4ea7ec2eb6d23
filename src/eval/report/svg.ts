/**
 * Inline SVG charts for the HTML report, drawn here so the report needs no charting script and
 * opens offline: horizontal bars with optional interval whiskers, and a histogram. Each chart
 * carries a <title> and <desc> for screen readers; the report also prints the numbers in tables.
 */
import { maxOf, minOf } from '../../core/stats.ts';

/** Escapes text for HTML content and quoted attributes (inline SVG is parsed as HTML). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

export interface Bar {
  label: string;
  value: number;
  /** A 95% interval around the value, drawn as a whisker. */
  low?: number;
  high?: number;
  /** Text printed right of the bar (the value by default). */
  note?: string;
}

export interface BarChart {
  /** Unique within the page: the ids of the chart's <title> and <desc> derive from it. */
  id: string;
  title: string;
  desc: string;
  bars: Bar[];
  /** Value at the right end of the axis. */
  max: number;
  format: (x: number) => string;
  color?: string;
  /** Ticks on whole numbers only (counts). */
  wholeTicks?: boolean;
}

const WIDTH = 720;
const ROW = 24;
const BAR = 14;
const TOP = 8;
const AXIS = 22;
const FONT = 'font-family="system-ui, sans-serif" font-size="12"';
const INK = '#24292f';
const GRID = '#d0d7de';

const num = (x: number) => String(Math.round(x * 10) / 10);

/** 1, 2 or 5 times a power of ten, at least x: steps people read at a glance. */
export function niceStep(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  const m = x / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

function ticks(max: number, minStep = 0): number[] {
  const step = Math.max(niceStep(max / 4), minStep);
  const out: number[] = [];
  for (let t = 0; t <= max + step * 1e-9; t += step) out.push(Math.round(t / step) * step);
  return out;
}

/** Long labels are cut so the plot keeps its width; the full label stays in the row's tooltip. */
const clip = (s: string, chars: number) => (s.length > chars ? `${s.slice(0, chars - 1)}…` : s);

function heading(id: string, title: string, desc: string): string {
  return `<title id="${escapeHtml(id)}-title">${escapeHtml(title)}</title><desc id="${escapeHtml(id)}-desc">${escapeHtml(desc)}</desc>`;
}

function open(id: string, height: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="${escapeHtml(id)}-title ${escapeHtml(id)}-desc" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT}>`;
}

export function barChart(c: BarChart): string {
  const labelChars = Math.min(32, Math.max(6, ...c.bars.map((b) => b.label.length)));
  const left = labelChars * 7 + 12;
  const right = 110;
  const plot = WIDTH - left - right;
  const max = c.max > 0 ? c.max : 1;
  const x = (v: number) => left + (Math.min(Math.max(v, 0), max) / max) * plot;
  const height = TOP + c.bars.length * ROW + AXIS;
  const axisY = TOP + c.bars.length * ROW;
  const color = c.color ?? '#0969da';
  const parts = [open(c.id, height), heading(c.id, c.title, c.desc)];
  for (const t of ticks(max, c.wholeTicks ? 1 : 0)) {
    parts.push(`<line x1="${num(x(t))}" y1="${TOP}" x2="${num(x(t))}" y2="${axisY}" stroke="${GRID}"/>`);
    parts.push(`<text x="${num(x(t))}" y="${axisY + 15}" text-anchor="middle" fill="${INK}">${escapeHtml(c.format(t))}</text>`);
  }
  c.bars.forEach((b, i) => {
    const y = TOP + i * ROW + (ROW - BAR) / 2;
    const mid = y + BAR / 2;
    const note = b.note ?? c.format(b.value);
    parts.push(`<g><title>${escapeHtml(`${b.label}: ${note}`)}</title>`);
    parts.push(`<text x="${left - 8}" y="${num(mid + 4)}" text-anchor="end" fill="${INK}">${escapeHtml(clip(b.label, labelChars))}</text>`);
    parts.push(`<rect x="${left}" y="${num(y)}" width="${num(x(b.value) - left)}" height="${BAR}" fill="${color}"/>`);
    if (b.low !== undefined && b.high !== undefined && b.high > b.low) {
      const [lo, hi] = [num(x(b.low)), num(x(b.high))];
      parts.push(`<path d="M${lo} ${num(mid)}H${hi}M${lo} ${num(y + 2)}V${num(y + BAR - 2)}M${hi} ${num(y + 2)}V${num(y + BAR - 2)}" stroke="${INK}" stroke-width="1.5" fill="none"/>`);
    }
    parts.push(`<text x="${WIDTH - right + 8}" y="${num(mid + 4)}" fill="${INK}">${escapeHtml(note)}</text></g>`);
  });
  parts.push(`<line x1="${left}" y1="${TOP}" x2="${left}" y2="${axisY}" stroke="${INK}"/>`, '</svg>');
  return parts.join('');
}

export interface Bin {
  low: number;
  high: number;
  count: number;
}

/**
 * About `target` bins of a nice width (at least `minWidth`) covering every value; each bin holds
 * low ≤ v < high, the last one also its upper edge.
 */
export function binValues(values: number[], target = 12, minWidth = 0): Bin[] {
  if (values.length === 0) return [];
  const lo = minOf(values);
  const hi = maxOf(values);
  // The 1-2-5 width whose bin count comes closest to the target.
  const p = 10 ** Math.floor(Math.log10((hi - lo) / target || 1));
  const layouts = [1, 2, 5, 10].map((m) => {
    const width = Math.max(m * p, minWidth);
    const start = Math.floor(lo / width) * width;
    return { width, start, count: Math.max(1, Math.ceil((hi - start) / width)) };
  });
  const { width, start, count } = layouts.reduce((best, l) => (Math.abs(l.count - target) < Math.abs(best.count - target) ? l : best));
  const bins: Bin[] = Array.from({ length: count }, (_, i) => ({ low: start + i * width, high: start + (i + 1) * width, count: 0 }));
  for (const v of values) bins[Math.min(count - 1, Math.floor((v - start) / width))].count++;
  return bins;
}

export interface Histogram {
  id: string;
  title: string;
  desc: string;
  bins: Bin[];
  /** Formats a bin edge on the x axis. */
  format: (x: number) => string;
  /** Names the x axis (its unit). */
  xLabel: string;
  color?: string;
}

export function histogram(h: Histogram): string {
  const height = 250;
  const [left, right, top, bottom] = [48, 24, 12, 50];
  const plotW = WIDTH - left - right;
  const plotH = height - top - bottom;
  const maxCount = Math.max(1, ...h.bins.map((b) => b.count));
  const step = Math.max(niceStep(maxCount / 4), 1);
  const yMax = Math.ceil(maxCount / step) * step;
  const y = (c: number) => top + plotH - (c / yMax) * plotH;
  const binW = plotW / Math.max(1, h.bins.length);
  const color = h.color ?? '#0969da';
  const parts = [open(h.id, height), heading(h.id, h.title, h.desc)];
  for (const t of ticks(yMax, 1)) {
    parts.push(`<line x1="${left}" y1="${num(y(t))}" x2="${WIDTH - right}" y2="${num(y(t))}" stroke="${GRID}"/>`);
    parts.push(`<text x="${left - 6}" y="${num(y(t) + 4)}" text-anchor="end" fill="${INK}">${t}</text>`);
  }
  h.bins.forEach((b, i) => {
    const x = left + i * binW;
    const range = `${h.format(b.low)}–${h.format(b.high)}`;
    parts.push(`<g><title>${escapeHtml(`${range}: ${b.count} case(s)`)}</title>`);
    parts.push(`<rect x="${num(x + 1)}" y="${num(y(b.count))}" width="${num(Math.max(binW - 2, 1))}" height="${num(top + plotH - y(b.count))}" fill="${color}"/></g>`);
  });
  // Every edge labelled when they fit, else every other one.
  const every = binW < 56 ? 2 : 1;
  h.bins.forEach((b, i) => {
    if (i % every === 0) parts.push(`<text x="${num(left + i * binW)}" y="${top + plotH + 16}" text-anchor="middle" fill="${INK}">${escapeHtml(h.format(b.low))}</text>`);
  });
  const last = h.bins.at(-1);
  if (last && h.bins.length % every === 0) parts.push(`<text x="${num(left + h.bins.length * binW)}" y="${top + plotH + 16}" text-anchor="middle" fill="${INK}">${escapeHtml(h.format(last.high))}</text>`);
  parts.push(`<text x="${num(left + plotW / 2)}" y="${height - 6}" text-anchor="middle" fill="${INK}">${escapeHtml(h.xLabel)}</text>`);
  parts.push(`<line x1="${left}" y1="${top + plotH}" x2="${WIDTH - right}" y2="${top + plotH}" stroke="${INK}"/>`, '</svg>');
  return parts.join('');
}
