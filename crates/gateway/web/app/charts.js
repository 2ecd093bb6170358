// Charts drawn as SVG from report figures. Positions are percentages of
// the chart's width, so text keeps its size on a phone and a laptop; each
// chart has a table of its figures for screen readers.

import { html } from './ui.js';

const ROW = 30;
const LABEL_END = 40; // % of the width where labels end and bars begin
const BAR_END = 86; // % where the longest bar ends (the value is written after it)

function Figures({ rows, format, columns }) {
  return html`<table class="sr-only">
    <thead><tr><th scope="col">${columns[0]}</th><th scope="col">${columns[1]}</th></tr></thead>
    <tbody>${rows.map((r) => html`<tr><th scope="row">${r.label}</th><td>${format(r.value)}</td></tr>`)}</tbody>
  </table>`;
}

/** Horizontal bars from zero; `max` is the value of a full bar. */
export function BarChart({ id, title, rows, max, format = (v) => String(v), columns = ['Item', 'Value'], kind = '' }) {
  const top = Math.max(max || 0, ...rows.map((r) => r.value || 0), 1e-9);
  const height = rows.length * ROW + 6;
  return html`<figure class=${'chart ' + kind} data-chart=${id}>
    <figcaption id=${id + '-title'}>${title}</figcaption>
    <svg width="100%" height=${height} role="img" aria-labelledby=${id + '-title'}>
      ${rows.map((r, i) => {
        const y = i * ROW + 3;
        const width = r.value === null || r.value === undefined ? 0 : (r.value / top) * (BAR_END - LABEL_END);
        return html`<g class="row">
          <text class="label" x=${`${LABEL_END - 1.5}%`} y=${y + ROW / 2 + 4} text-anchor="end">${r.label}</text>
          <rect class=${'bar ' + (r.className || '')} x=${`${LABEL_END}%`} y=${y + 5} width=${`${Math.max(width, 0.3)}%`} height=${ROW - 12} rx="3">
            <title>${r.label}: ${format(r.value)}</title>
          </rect>
          <text class="value" x=${`${LABEL_END + width + 1}%`} y=${y + ROW / 2 + 4}>${format(r.value)}</text>
        </g>`;
      })}
    </svg>
    <${Figures} rows=${rows} format=${format} columns=${columns} />
  </figure>`;
}

/** Bars left (negative) or right (positive) of a zero line, for z-scores. */
export function DivergingChart({ id, title, rows, format = (v) => v.toFixed(2), columns = ['Item', 'Value'], negative = 'Harsher', positive = 'More lenient' }) {
  const extent = Math.max(...rows.map((r) => Math.abs(r.value || 0)), 0.5);
  const zero = (LABEL_END + 2 + BAR_END + 4) / 2 + 3;
  const half = (BAR_END + 6 - (LABEL_END + 2)) / 2 - 4;
  const height = rows.length * ROW + 30;
  return html`<figure class="chart diverging" data-chart=${id}>
    <figcaption id=${id + '-title'}>${title}</figcaption>
    <svg width="100%" height=${height} role="img" aria-labelledby=${id + '-title'}>
      <text class="axis-note" x=${`${zero - 1}%`} y="14" text-anchor="end">← ${negative}</text>
      <text class="axis-note" x=${`${zero + 1}%`} y="14">${positive} →</text>
      <line class="zero" x1=${`${zero}%`} x2=${`${zero}%`} y1="20" y2=${height} />
      ${rows.map((r, i) => {
        const y = i * ROW + 22;
        const value = r.value || 0;
        const width = (Math.abs(value) / extent) * half;
        const x = value < 0 ? zero - width : zero;
        return html`<g class="row">
          <text class="label" x=${`${LABEL_END - 1.5}%`} y=${y + ROW / 2 + 4} text-anchor="end">${r.label}</text>
          <rect class=${'bar ' + (value < 0 ? 'negative' : 'positive')} x=${`${x}%`} y=${y + 5} width=${`${Math.max(width, 0.3)}%`} height=${ROW - 12} rx="3">
            <title>${r.label}: ${r.value === null ? '—' : format(value)}</title>
          </rect>
          <text class="value" x=${value < 0 ? `${x - 1}%` : `${x + width + 1}%`} y=${y + ROW / 2 + 4}
            text-anchor=${value < 0 ? 'end' : 'start'}>${r.value === null ? '—' : format(value)}</text>
        </g>`;
      })}
    </svg>
    <${Figures} rows=${rows} format=${(v) => (v === null ? '—' : format(v))} columns=${columns} />
  </figure>`;
}
