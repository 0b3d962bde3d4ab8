// Dashboard: meters by status, takings by channel, energy today against yesterday, and what
// is waiting for someone; every tile opens the list behind it. Two API calls side by side:
// the figures (/dashboard) and the slower energy curve (/dashboard/energy), shown when it comes.
import { html, useEffect, useState } from '../lib.js';
import { get } from '../api.js';
import { t } from '../i18n.js';
import { ChartPanel } from '../components/chart.js';
import { METER_STATUSES } from '../components/status_tag.js';
import { CHANNELS, word, yuan } from '../format.js';

function StatusTile({ status, count, href, label }) {
  return html`<a class=${`tile tile-${status}`} href=${href} data-tile=${status}>
    <span class="tile-count">${count}</span>
    <span class=${`tag tag-${status}`}>${label}</span></a>`;
}

function QueueTile({ title, count, href, name }) {
  return html`<a class=${`queue-tile ${count > 0 ? 'queue-waiting' : ''}`} href=${href} data-tile=${name}>
    <span class="queue-count">${count}</span><span class="queue-title">${title}</span></a>`;
}

function energyOption(energy) {
  const hours = Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, '0')}:00`);
  const series = (name, values, colour) => ({
    name, type: 'line', smooth: true, showSymbol: false, data: values.map(Number),
    lineStyle: { width: 2, color: colour }, itemStyle: { color: colour },
  });
  return {
    animation: false,
    tooltip: { trigger: 'axis' },
    legend: { data: [t('Today'), t('Yesterday')], top: 0 },
    grid: { left: 48, right: 16, top: 32, bottom: 28 },
    xAxis: { type: 'category', data: hours, boundaryGap: false },
    yAxis: { type: 'value', name: 'kWh' },
    series: [series(t('Today'), energy.today, '#409EFF'), series(t('Yesterday'), energy.yesterday, '#909399')],
  };
}

export function DashboardScreen() {
  const [data, setData] = useState(null);
  const [energy, setEnergy] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    get('/dashboard', { energy: false }).then(setData).catch(setError);
    get('/dashboard/energy').then(setEnergy).catch(setError);
  }, []);
  if (error) return html`<div class="form-error">${error.message}</div>`;
  if (!data) return html`<div class="loading">${t('Loading…')}</div>`;
  const meters = data.meters;
  return html`<div class="dashboard">
    <section class="panel">
      <h3 class="panel-title">${t('Meters by status')} <span class="muted">${t('{n} meters', { n: meters.total })}</span></h3>
      <div class="tiles">
        ${Object.keys(METER_STATUSES).map((status) => html`<${StatusTile} key=${status} status=${status}
          count=${meters[status]} label=${t(METER_STATUSES[status])} href=${`#/monitor?status=${status}`} />`)}
        <${StatusTile} status="protected" count=${meters.protected} label=${t('Protected')} href="#/monitor?protected=true" />
      </div>
    </section>
    <div class="dash-row">
      <section class="panel dash-sales">
        <h3 class="panel-title"><a href="#/sales">${t('Sales by channel')}</a></h3>
        <table class="data-table compact">
          <thead><tr><th>${t('Channel')}</th><th class="num">${t('Today')}</th><th class="num">${t('This month')}</th></tr></thead>
          <tbody>${data.sales.length === 0 && html`<tr><td colspan="3" class="empty">${t('No sales yet')}</td></tr>`}
            ${data.sales.map((row) => html`<tr key=${row.channel}><td>${word(CHANNELS, row.channel)}</td>
              <td class="num">${yuan(row.today)}</td><td class="num">${yuan(row.month)}</td></tr>`)}</tbody>
        </table>
        <p class="muted small">${t('Net takings: recharges less refunds and reversals.')}</p>
      </section>
      <div class="dash-energy">${energy
        ? html`<${ChartPanel} title=${t('Energy today and yesterday (kWh per hour)')} option=${energyOption(energy)} height=${260} />`
        : html`<section class="panel"><h3 class="panel-title">${t('Energy today and yesterday (kWh per hour)')}</h3>
            <div class="loading chart-waiting">${t('Loading…')}</div></section>`}</div>
    </div>
    <section class="panel">
      <h3 class="panel-title">${t('Waiting for someone')}</h3>
      <div class="queue-tiles">
        <${QueueTile} name="alarms" title=${t('Active alarms')} count=${data.alarms_active} href="#/alarms?active=true" />
        <${QueueTile} name="gateways" title=${t('Gateways out of contact')} count=${data.gateways_lost} href="#/alarms?active=true&kind=gateway_lost" />
        <${QueueTile} name="refunds" title=${t('Refunds waiting for approval')} count=${data.refunds_pending} href="#/sales?status=pending" />
      </div>
    </section>
  </div>`;
}
