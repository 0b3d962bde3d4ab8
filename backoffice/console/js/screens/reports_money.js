// Report centre, the money: sales totals with a chart, the sales journal, account statements.
import { html, useEffect, useState } from '../lib.js';
import { api, get } from '../api.js';
import { t } from '../i18n.js';
import { can } from '../session.js';
import { DataTable, usePagedList } from '../components/table.js';
import { ExportButton } from '../components/export_button.js';
import { ChartPanel } from '../components/chart.js';
import { AccountPicker } from '../components/account_picker.js';
import { PeriodFields, defaultPeriod } from '../components/period.js';
import { SiteSelect, usePlaces } from '../components/site_select.js';
import { CHANNELS, POSTING_KINDS, SALE_KINDS, SALE_STATUSES, reasonText, when, word, yuan } from '../format.js';

const PALETTE = ['#409EFF', '#67C23A', '#E6A23C', '#F56C6C', '#909399', '#9B59B6', '#16A085'];

function useOperators() {
  const [operators, setOperators] = useState([]);
  useEffect(() => {
    if (can('operators.read')) get('/operators', { page_size: 100 }).then(setOperators);
  }, []);
  return operators;
}

function ChannelSelect({ value, onChange }) {
  return html`<label>${t('Channel')} <select name="channel" value=${value} onChange=${(e) => onChange(e.target.value)}>
    <option value="">${t('All')}</option>
    ${Object.keys(CHANNELS).map((c) => html`<option key=${c} value=${c}>${word(CHANNELS, c)}</option>`)}</select></label>`;
}

// Net takings per period, one stacked series per channel (or per site when not split by channel).
function totalsOption(rows, byChannel) {
  const periods = [...new Set(rows.map((r) => r.period))].sort();
  // the rows of the last answer may predate the split just asked for: fall back to the site
  const seriesKey = (r) => String(byChannel && r.channel ? word(CHANNELS, r.channel) : r.site_code);
  const names = [...new Set(rows.map(seriesKey))];
  return {
    animation: false, tooltip: { trigger: 'axis' }, legend: { top: 0, data: names },
    grid: { left: 64, right: 16, top: 32, bottom: 28 },
    xAxis: { type: 'category', data: periods }, yAxis: { type: 'value', name: '¥' },
    series: names.map((name, i) => ({
      name, type: 'bar', stack: 'net', itemStyle: { color: PALETTE[i % PALETTE.length] },
      data: periods.map((p) => rows.filter((r) => r.period === p && seriesKey(r) === name)
        .reduce((sum, r) => sum + Number(r.net_total), 0)),
    })),
  };
}

export function TotalsTab() {
  const sites = usePlaces();
  const operators = useOperators();
  const [filters, setFilters] = useState({ ...defaultPeriod('day'), site_id: '', channel: '', operator_id: '', by: [] });
  const list = usePagedList('/reports/totals', filters, 100);
  const set = (name) => (value) => setFilters({ ...filters, [name]: value });
  const split = (name) => (event) => setFilters({ ...filters,
    by: event.target.checked ? [...filters.by, name] : filters.by.filter((b) => b !== name) });
  const byChannel = filters.by.includes('channel');
  const columns = [
    { key: 'period', title: t('Period'), sortable: true },
    { key: 'site_code', title: t('Site'), sortable: true },
    byChannel && { key: 'channel', title: t('Channel'), render: (r) => word(CHANNELS, r.channel) },
    filters.by.includes('operator') && { key: 'operator', title: t('Operator'), render: (r) => r.operator || t('Online') },
    { key: 'recharge_total', title: t('Recharges'), align: 'right', render: (r) => `${yuan(r.recharge_total)} (${r.recharge_count})` },
    { key: 'refund_total', title: t('Refunds'), align: 'right', render: (r) => `${yuan(r.refund_total)} (${r.refund_count})` },
    { key: 'reversal_total', title: t('Reversals'), align: 'right', render: (r) => `${yuan(r.reversal_total)} (${r.reversal_count})` },
    { key: 'net_total', title: t('Net takings'), align: 'right', sortable: true, sortValue: (r) => Number(r.net_total), render: (r) => yuan(r.net_total) },
  ].filter(Boolean);
  return html`<div>
    <div class="list-screen">
      <form class="search-form" onSubmit=${(e) => e.preventDefault()}>
        <${PeriodFields} value=${filters} onChange=${(period) => setFilters({ ...filters, ...period })} />
        <${SiteSelect} sites=${sites} value=${filters.site_id} onChange=${set('site_id')} />
        <${ChannelSelect} value=${filters.channel} onChange=${set('channel')} />
        ${operators.length > 0 && html`<label>${t('Operator')} <select name="operator_id" value=${filters.operator_id}
          onChange=${(e) => set('operator_id')(e.target.value)}><option value="">${t('All')}</option>
          ${operators.map((o) => html`<option key=${o.id} value=${o.id}>${o.display_name || o.username}</option>`)}</select></label>`}
        <label><input type="checkbox" name="by-channel" checked=${byChannel} onChange=${split('channel')} /> ${t('Split by channel')}</label>
        <label><input type="checkbox" name="by-operator" checked=${filters.by.includes('operator')} onChange=${split('operator')} /> ${t('Split by operator')}</label>
      </form>
    </div>
    ${list.rows.length > 0 && html`<${ChartPanel} title=${t('Net takings')} option=${totalsOption(list.rows, byChannel)} height=${240} />`}
    <div class="list-screen">
      <div class="toolbar"><${ExportButton} path="/reports/totals/export" query=${filters} /></div>
      <${DataTable} columns=${columns} list=${list}
        rowKey=${(r) => `${r.site_id}|${r.period}|${r.channel}|${r.operator_id}`} />
    </div>
  </div>`;
}

export function JournalTab() {
  const sites = usePlaces();
  const [filters, setFilters] = useState({ ...defaultPeriod('day'), site_id: '', channel: '', kind: '' });
  const list = usePagedList('/reports/journal', filters, 50);
  const set = (name) => (value) => setFilters({ ...filters, [name]: value });
  const columns = [
    { key: 'completed_at', title: t('Time'), sortable: true, render: (r) => when(r.completed_at) },
    { key: 'site_code', title: t('Site') },
    { key: 'receipt_number', title: t('Receipt No.'), sortable: true },
    { key: 'kind', title: t('Kind'), render: (r) => word(SALE_KINDS, r.kind) },
    { key: 'channel', title: t('Channel'), render: (r) => word(CHANNELS, r.channel) },
    { key: 'signed_amount', title: t('Amount'), align: 'right', sortable: true, sortValue: (r) => Number(r.signed_amount), render: (r) => yuan(r.signed_amount) },
    { key: 'account_number', title: t('Account'), render: (r) => html`<a href=${`#/tenants/${r.account_id}`}>${r.account_number}</a>` },
    { key: 'tenant_name', title: t('Tenant') },
    { key: 'operator', title: t('Operator'), render: (r) => r.operator || t('Online') },
    { key: 'status', title: t('Status'), render: (r) => word(SALE_STATUSES, r.status) },
    { key: 'balance_after', title: t('Balance after'), align: 'right', render: (r) => yuan(r.balance_after) },
  ];
  return html`<div class="list-screen">
    <form class="search-form" onSubmit=${(e) => e.preventDefault()}>
      <${PeriodFields} value=${filters} units=${false} onChange=${(period) => setFilters({ ...filters, ...period })} />
      <${SiteSelect} sites=${sites} value=${filters.site_id} onChange=${set('site_id')} />
      <${ChannelSelect} value=${filters.channel} onChange=${set('channel')} />
      <label>${t('Kind')} <select name="kind" value=${filters.kind} onChange=${(e) => set('kind')(e.target.value)}>
        <option value="">${t('All')}</option>
        ${Object.keys(SALE_KINDS).map((k) => html`<option key=${k} value=${k}>${word(SALE_KINDS, k)}</option>`)}</select></label>
    </form>
    <div class="toolbar"><${ExportButton} path="/reports/journal/export" query=${filters} /></div>
    <${DataTable} columns=${columns} list=${list} rowKey="sale_id" />
  </div>`;
}

export function StatementTab({ query }) {
  const [account, setAccount] = useState(query.account ? { id: Number(query.account) } : null);
  const [period, setPeriod] = useState(defaultPeriod('day'));
  const [head, setHead] = useState(null);
  const [error, setError] = useState(null);
  const filters = { ...period, period: 'day' };
  useEffect(() => {
    if (!account) return;
    setError(null);
    api('GET', `/reports/statements/${account.id}`, { query: filters })
      .then(({ body }) => setHead(body)).catch((failure) => { setHead(null); setError(failure.message); });
  }, [account && account.id, JSON.stringify(filters)]);
  const lines = usePagedList(account ? `/reports/statements/${account.id}/lines` : null, filters, 50);
  const columns = [
    { key: 'booked_at', title: t('Time'), render: (r) => when(r.booked_at) },
    { key: 'kind', title: t('Kind'), render: (r) => word(POSTING_KINDS, r.kind) },
    { key: 'reason', title: t('Detail'), render: (r) => reasonText(r.reason) },
    { key: 'receipt_number', title: t('Receipt No.') },
    { key: 'operator', title: t('Operator') },
    { key: 'amount', title: t('Amount'), align: 'right', render: (r) => yuan(r.amount) },
    { key: 'balance', title: t('Balance after'), align: 'right', render: (r) => yuan(r.balance) },
  ];
  return html`<div class="list-screen">
    <form class="search-form" onSubmit=${(e) => e.preventDefault()}>
      <div class="picker-inline"><${AccountPicker} onChoose=${(hit) => setAccount(hit)} /></div>
      <${PeriodFields} value=${filters} units=${false} onChange=${setPeriod} />
    </form>
    ${!account && html`<div class="empty">${t('Choose an account to see its statement.')}</div>`}
    ${error && html`<div class="form-error" role="alert">${error}</div>`}
    ${account && head && html`<div class="statement-summary" data-account=${head.account_id}>
      <div><b>${head.account_number}</b> ${head.tenant_name} <span class="muted">${head.site_code} · ${head.first_day} – ${head.last_day}</span></div>
      <dl class="figures">
        <div><dt>${t('Opening balance')}</dt><dd data-role="opening">${yuan(head.opening_balance)}</dd></div>
        <div><dt>${t('Money in')}</dt><dd>${yuan(head.money_in)}</dd></div>
        <div><dt>${t('Money out')}</dt><dd>${yuan(head.money_out)}</dd></div>
        <div><dt>${t('Closing balance')}</dt><dd data-role="closing">${yuan(head.closing_balance)}</dd></div>
      </dl>
      <div class="toolbar"><${ExportButton} path=${`/reports/statements/${account.id}/export`} query=${filters} /></div>
    </div>`}
    ${account && html`<${DataTable} columns=${columns} list=${lines} rowKey="posting_id" />`}
  </div>`;
}
