// The dry run of a version: every account's cost over a month under its tariff now and under
// this version, as a table, a chart and the API's workbook.
import { html, useEffect, useState } from '../lib.js';
import { get } from '../api.js';
import { t } from '../i18n.js';
import { ChartPanel } from '../components/chart.js';
import { ExportButton } from '../components/export_button.js';
import { kwh, yuan } from '../format.js';

const CHART_ACCOUNTS = 40;  // the chart shows the accounts whose cost changes most

// This month so far: a new draft is usually weighed against what tenants use now.
function thisMonth() {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
}

function chartOption(rows) {
  const top = [...rows].sort((a, b) => Math.abs(Number(b.difference)) - Math.abs(Number(a.difference))).slice(0, CHART_ACCOUNTS)
    .sort((a, b) => a.account_number.localeCompare(b.account_number));
  return {
    animation: false, tooltip: { trigger: 'axis' }, legend: { top: 0 },
    grid: { left: 56, right: 16, top: 32, bottom: 56 },
    xAxis: { type: 'category', data: top.map((r) => r.account_number), axisLabel: { rotate: 45 } },
    yAxis: { type: 'value', name: t('Yuan') },
    series: [
      { name: t('Cost now'), type: 'bar', data: top.map((r) => Number(r.old_cost)), itemStyle: { color: '#909399' } },
      { name: t('Cost under this version'), type: 'bar', data: top.map((r) => Number(r.new_cost)), itemStyle: { color: '#409EFF' } },
    ],
  };
}

export function DryRun({ version }) {
  const [month, setMonth] = useState(thisMonth());
  const [rows, setRows] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let live = true;
    setRows(null);
    setError(null);
    get(`/tariffs/versions/${version.id}/dry-run`, { month }).then((found) => live && setRows(found))
      .catch((failure) => live && setError(failure.message));
    return () => { live = false; };
  }, [version.id, month]);
  const total = (name) => (rows || []).reduce((sum, row) => sum + Math.round(Number(row[name]) * 100), 0);
  const money = (cents) => yuan((cents / 100).toFixed(2));  // a sum for the eye; the workbook has the exact one
  return html`<section class="panel" data-role="dry-run">
    <h3 class="panel-title">${t('Dry run of version {id}', { id: version.id })}</h3>
    <div class="toolbar">
      <label>${t('Month')} <input type="month" name="dry-run-month" value=${month} onChange=${(e) => e.target.value && setMonth(e.target.value)} /></label>
      <${ExportButton} path=${`/tariffs/versions/${version.id}/dry-run/export`} query=${{ month }} />
      ${rows && html`<span class="muted" data-role="dry-run-totals">${t('{n} accounts', { n: rows.length })} ·
        ${t('Cost now')} ${money(total('old_cost'))} · ${t('Cost under this version')} ${money(total('new_cost'))} ·
        ${t('Difference')} ${money(total('difference'))}</span>`}
    </div>
    ${error && html`<div class="form-error" role="alert">${error}</div>`}
    ${!rows && !error && html`<div class="loading">${t('Loading…')}</div>`}
    ${rows && rows.length > 0 && html`<${ChartPanel} title=${t('Cost by account')} option=${chartOption(rows)} height=${260} />`}
    ${rows && html`<div class="table-scroll short"><table class="data-table compact">
      <thead><tr><th>${t('Account')}</th><th>${t('Tenant')}</th><th class="num">${t('Energy')}</th>
        <th class="num">${t('Cost now')}</th><th class="num">${t('Cost under this version')}</th><th class="num">${t('Difference')}</th></tr></thead>
      <tbody>${rows.map((row) => html`<tr key=${row.account_id}><td>${row.account_number}</td><td>${row.tenant_name}</td>
        <td class="num">${kwh(row.kwh)}</td><td class="num">${yuan(row.old_cost)}</td><td class="num">${yuan(row.new_cost)}</td>
        <td class=${`num ${Number(row.difference) > 0 ? 'up' : Number(row.difference) < 0 ? 'down' : ''}`}>${yuan(row.difference)}</td></tr>`)}</tbody>
    </table>${rows.length === 0 && html`<div class="empty">${t('No account used energy that month')}</div>`}</div>`}
  </section>`;
}
