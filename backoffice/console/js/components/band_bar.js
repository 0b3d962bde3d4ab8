// A time-of-use day plan as one 24-hour bar: each period a coloured band with its word
// (尖 sharp, 峰 peak, 平 flat, 谷 valley), hours marked below, gaps and overlaps shown as such.
import { html } from '../lib.js';
import { t } from '../i18n.js';

export const BANDS = { sharp: 'Sharp', peak: 'Peak', flat: 'Flat', valley: 'Valley' };
const DAY = 24 * 60;

function minutes(clock) {
  const found = /^(\d{2}):(\d{2})$/.exec(clock || '');
  return found ? Number(found[1]) * 60 + Number(found[2]) : null;
}

// Rows [start, end, band] as pieces within one day (a period past midnight is two pieces),
// with the minutes no period covers and those two periods claim.
export function pieces(rows) {
  const found = [];
  for (const [start, end, band] of rows) {
    const from = minutes(start), to = minutes(end);
    if (from === null || to === null || from === to || from >= DAY) continue;
    if (to > from) found.push({ from, to, band });
    else {
      found.push({ from, to: DAY, band });
      if (to > 0) found.push({ from: 0, to, band });
    }
  }
  found.sort((a, b) => a.from - b.from);
  const holes = [];
  let cursor = 0;
  for (const piece of found) {
    if (piece.from > cursor) holes.push({ from: cursor, to: piece.from, band: 'gap' });
    if (piece.from < cursor) holes.push({ from: piece.from, to: Math.min(cursor, piece.to), band: 'overlap' });
    cursor = Math.max(cursor, piece.to);
  }
  if (cursor < DAY) holes.push({ from: cursor, to: DAY, band: 'gap' });
  return { pieces: found, holes };
}

const clock = (m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const left = (m) => `${(100 * m) / DAY}%`;

export function BandBar({ rows, label }) {
  const { pieces: shown, holes } = pieces(rows || []);
  const word = (band) => t(band === 'gap' ? 'Not covered' : band === 'overlap' ? 'Overlap' : BANDS[band] || band);
  return html`<div class="band-bar" role="img" aria-label=${label || t('Day plan')} data-role="band-bar">
    <div class="band-track">
      ${[...shown, ...holes].map((piece) => html`<div key=${`${piece.band}${piece.from}`}
        class=${`band band-${piece.band}`} data-band=${piece.band}
        style=${{ left: left(piece.from), width: left(piece.to - piece.from) }}
        title=${`${clock(piece.from)}–${clock(piece.to)} ${word(piece.band)}`}>
        ${piece.to - piece.from >= 90 ? word(piece.band) : ''}</div>`)}
    </div>
    <div class="band-hours">${[0, 3, 6, 9, 12, 15, 18, 21, 24].map((hour) => html`<span key=${hour}
      style=${{ left: left(hour * 60) }}>${hour}</span>`)}</div>
  </div>`;
}

export function BandLegend() {
  return html`<div class="legend band-legend">${Object.keys(BANDS).map((band) => html`<span key=${band}
    class=${`tag band-${band}`}>${t(BANDS[band])}</span>`)}</div>`;
}
