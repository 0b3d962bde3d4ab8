// A report's period: rows per day, month or year, from one period to another (inclusive), in
// the form the API reads them (2025-03-01, 2025-03, 2025). Defaults: this month by day.
import { html } from '../lib.js';
import { t } from '../i18n.js';

const pad = (n) => String(n).padStart(2, '0');

// The browser's local date (staff sit in the sites' time zone), as the API writes days.
export function today() {
  const now = new Date();
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export function defaultPeriod(unit = 'day') {
  const day = today();
  if (unit === 'year') return { period: 'year', from: String(Number(day.slice(0, 4)) - 4), to: day.slice(0, 4) };
  if (unit === 'month') return { period: 'month', from: `${day.slice(0, 4)}-01`, to: day.slice(0, 7) };
  return { period: 'day', from: `${day.slice(0, 7)}-01`, to: day };
}

const INPUT = { day: 'date', month: 'month', year: 'number' };
export const UNITS = { day: 'By day', month: 'By month', year: 'By year' };

// Fields for {period, from, to}; `units` false keeps days only (journal, statements, energy).
export function PeriodFields({ value, onChange, units = true }) {
  const type = INPUT[value.period || 'day'];
  const set = (name) => (event) => onChange({ ...value, [name]: event.target.value });
  return html`
    ${units && html`<label>${t('Rows')} <select name="period" value=${value.period}
      onChange=${(e) => onChange(defaultPeriod(e.target.value))}>
      ${Object.entries(UNITS).map(([unit, label]) => html`<option value=${unit}>${t(label)}</option>`)}</select></label>`}
    <label>${t('From')} <input name="from" type=${type} value=${value.from} min=${type === 'number' ? 2000 : null}
      onChange=${set('from')} /></label>
    <label>${t('To')} <input name="to" type=${type} value=${value.to} min=${type === 'number' ? 2000 : null}
      onChange=${set('to')} /></label>`;
}
