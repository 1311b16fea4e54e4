/**
 * A self-contained HTML report (inline SVG, no script, no external file):
 * the latency percentile curve with the tail on a log scale (x = 1/(1-p), as
 * HdrHistogram plots it), and the per-second timeline of throughput and latency.
 */
import type { RunResult } from './result.js';
import { REPORTED_PERCENTILES, formatMicros, summarize } from './report.js';

const WIDTH = 900;
const HEIGHT = 320;
const MARGIN = { left: 70, right: 70, top: 20, bottom: 40 };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A round upper bound for an axis: 1, 2 or 5 times a power of ten. */
function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function axisTicks(max: number): number[] {
  return [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
}

const plotW = WIDTH - MARGIN.left - MARGIN.right;
const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;

function frame(title: string, body: string): string {
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">
<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="#fafafa" stroke="#999"/>
${body}</svg></figure>`;
}

/** The percentile curve: x from 0 % to 99.999 % on a log scale of 1/(1-p), y latency. */
function percentileCurve(result: RunResult): string {
  const points = result.latency.cumulative();
  if (points.length === 0) return '<p>No round trips were measured.</p>';
  const maxNines = 5; // up to 99.999 %
  const x = (fraction: number) => {
    const nines = fraction >= 1 ? maxNines : Math.min(maxNines, Math.log10(1 / (1 - fraction)));
    return MARGIN.left + (nines / maxNines) * plotW;
  };
  const yMax = niceCeiling(result.latency.max / 1000);
  const y = (us: number) => MARGIN.top + plotH - (us / 1000 / yMax) * plotH;
  // A step curve: each bucket holds from the previous fraction up to its own.
  let previous = 0;
  let lastY = '';
  const path: string[] = [];
  points.forEach((point, i) => {
    const atY = y(point.value).toFixed(1);
    const last = i === points.length - 1;
    // Runs of buckets drawn at the same height become one horizontal segment.
    if (atY !== lastY) path.push(`${path.length === 0 ? 'M' : 'L'}${x(previous).toFixed(1)},${atY}`);
    if (last || y(points[i + 1]!.value).toFixed(1) !== atY) path.push(`L${x(point.fraction).toFixed(1)},${atY}`);
    lastY = atY;
    previous = point.fraction;
  });
  const xTicks = ['0%', '90%', '99%', '99.9%', '99.99%', '99.999%']
    .map((label, i) => `<line x1="${MARGIN.left + (i / maxNines) * plotW}" x2="${MARGIN.left + (i / maxNines) * plotW}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#ddd"/><text x="${MARGIN.left + (i / maxNines) * plotW}" y="${HEIGHT - 22}" text-anchor="middle">${label}</text>`)
    .join('');
  const yTicks = axisTicks(yMax)
    .map((ms) => `<text x="${MARGIN.left - 6}" y="${y(ms * 1000) + 4}" text-anchor="end">${ms.toPrecision(3)} ms</text>`)
    .join('');
  return frame(
    'Latency by percentile (round trip; the tail on a log scale)',
    `${xTicks}${yTicks}<path d="${path.join('')}" fill="none" stroke="#1f6fb2" stroke-width="2"/><text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 6}" text-anchor="middle">percentile</text>`,
  );
}

/** Messages/s per second (bars, left axis) with p50 and p99 latency (lines, right axis). */
function timeline(result: RunResult): string {
  const seconds = result.timeline;
  if (seconds.length === 0) return '<p>The run lasted less than a second: no timeline.</p>';
  const rates = seconds.map((s) => (s.received > 0 ? s.received : s.sent));
  const rateMax = niceCeiling(Math.max(...rates));
  const p99s = seconds.map((s) => s.latency.percentile(99));
  const latMax = niceCeiling(Math.max(1, ...p99s) / 1000);
  const slot = plotW / seconds.length;
  const bars = rates
    .map((rate, i) => {
      const h = (rate / rateMax) * plotH;
      const warm = (i + 1) * 1000 <= result.warmupMs;
      return `<rect x="${(MARGIN.left + i * slot + slot * 0.1).toFixed(1)}" y="${(MARGIN.top + plotH - h).toFixed(1)}" width="${(slot * 0.8).toFixed(1)}" height="${h.toFixed(1)}" fill="${warm ? '#ccc' : '#9cc3e4'}"/>`;
    })
    .join('');
  const line = (values: number[], colour: string) =>
    `<path d="${values.map((us, i) => `${i === 0 ? 'M' : 'L'}${(MARGIN.left + (i + 0.5) * slot).toFixed(1)},${(MARGIN.top + plotH - (us / 1000 / latMax) * plotH).toFixed(1)}`).join('')}" fill="none" stroke="${colour}" stroke-width="2"/>`;
  const p50s = seconds.map((s) => s.latency.percentile(50));
  const left = axisTicks(rateMax).map((r) => `<text x="${MARGIN.left - 6}" y="${MARGIN.top + plotH - (r / rateMax) * plotH + 4}" text-anchor="end">${Math.round(r).toLocaleString('en-US')}</text>`).join('');
  const right = axisTicks(latMax).map((ms) => `<text x="${WIDTH - MARGIN.right + 6}" y="${MARGIN.top + plotH - (ms / latMax) * plotH + 4}">${ms.toPrecision(3)} ms</text>`).join('');
  const xLabels = seconds.map((_, i) => (seconds.length <= 30 || i % Math.ceil(seconds.length / 30) === 0 ? `<text x="${(MARGIN.left + (i + 0.5) * slot).toFixed(1)}" y="${HEIGHT - 22}" text-anchor="middle">${i + 1}</text>` : '')).join('');
  const legend = `<text x="${MARGIN.left + 8}" y="${MARGIN.top + 16}" fill="#4a86b8">■ msg/s</text><text x="${MARGIN.left + 80}" y="${MARGIN.top + 16}" fill="#2a9d3a">— p50</text><text x="${MARGIN.left + 130}" y="${MARGIN.top + 16}" fill="#c0392b">— p99</text>`;
  return frame(
    'Timeline: messages per second (bars; grey = warm-up) and latency p50 / p99 (lines)',
    `${bars}${line(p50s, '#2a9d3a')}${line(p99s, '#c0392b')}${left}${right}${xLabels}${legend}<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 6}" text-anchor="middle">second</text>`,
  );
}

/** The report as one HTML document. */
export function htmlReport(title: string, workload: string, textReport: string, result: RunResult): string {
  const s = summarize(result);
  const figures = REPORTED_PERCENTILES.map((p) => `<td>${formatMicros(result.latency.percentile(p))}</td>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}figure{margin:16px 0}figcaption{font-weight:bold;margin-bottom:4px}pre{background:#f4f4f4;padding:8px;font-size:12px}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(workload)}</p>
<table><tr><th>msg/s</th><th>MB/s in</th>${REPORTED_PERCENTILES.map((p) => `<th>p${p}</th>`).join('')}<th>max</th><th>errors</th></tr>
<tr><td>${Math.round(s.messagesPerSecond).toLocaleString('en-US')}</td><td>${s.payloadMBpsIn.toFixed(2)}</td>${figures}<td>${formatMicros(result.latency.max)}</td><td>${result.errorTotal}</td></tr></table>
${percentileCurve(result)}
${timeline(result)}
<pre>${escapeHtml(textReport)}</pre>
</body></html>
`;
}
