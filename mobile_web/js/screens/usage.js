// Usage: kWh a day for 30 days or a month for 12 months, by band; a day's hours on tap.
import { html, useState } from '/console/js/lib.js';
import { t } from '/console/js/i18n.js';
import { accountPath } from '../tenant.js';
import { useApi, Waiting } from '../components/loader.js';
import { BandBars } from '../components/bars.js';

function DayHours({ day, onClose }) {
  const state = useApi(accountPath('/day'), { day });
  return html`<div class="card day-hours">
    <div class="row"><h2>${t('Readings of {day}', { day })}</h2>
      <button class="btn btn-small" onClick=${onClose}>${t('Close')}</button></div>
    ${state.data ? html`<table class="hours">
      <thead><tr><th>${t('Hour')}</th><th>kWh</th><th>${t('Power (W)')}</th></tr></thead>
      <tbody>${state.data.map((h) => html`<tr key=${h.hour}><td>${String(h.hour).padStart(2, '0')}:00</td>
        <td>${h.energy}</td><td>${h.power_w ?? '—'}</td></tr>`)}</tbody></table>`
      : html`<${Waiting} state=${state} />`}
  </div>`;
}

export function Usage({ query }) {
  const granularity = query.by === 'month' ? 'month' : 'day';
  const state = useApi(accountPath('/usage'), { granularity });
  const [day, setDay] = useState(null);
  const total = state.data ? state.data.reduce((sum, row) => sum + Number(row.total), 0) : 0;
  return html`<section>
    <h1>${t('Usage')}</h1>
    <div class="segmented" role="tablist">
      <a role="tab" aria-selected=${granularity === 'day'} class=${granularity === 'day' ? 'on' : ''} href="#/usage">${t('30 days')}</a>
      <a role="tab" aria-selected=${granularity === 'month'} class=${granularity === 'month' ? 'on' : ''} href="#/usage?by=month">${t('12 months')}</a>
    </div>
    ${state.data ? html`<div class="card">
        <p class="muted small">${t('Total {kwh} kWh', { kwh: total.toFixed(2) })}${granularity === 'day' ? ` · ${t('Tap a day for its hours')}` : ''}</p>
        <${BandBars} rows=${state.data} labelOf=${(row) => (granularity === 'day' ? row.period.slice(5) : row.period.slice(0, 7))}
          onPick=${granularity === 'day' ? (row) => setDay(row.period) : null} />
        <div class="day-picks">${granularity === 'day' && state.data.slice(-7).map((row) => html`
          <button key=${row.period} class="chip" onClick=${() => setDay(row.period)}>${row.period.slice(5)} · ${row.total}</button>`)}</div>
      </div>
      ${day && html`<${DayHours} day=${day} onClose=${() => setDay(null)} />`}`
      : html`<${Waiting} state=${state} />`}
  </section>`;
}
