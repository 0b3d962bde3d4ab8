// Tenants: search any key, or page through every account; the account page shows the money,
// the meters, a month of daily energy, the latest sales and alarms, and edits the profile.
import { html, useEffect, useState } from '../lib.js';
import { api, get } from '../api.js';
import { t } from '../i18n.js';
import { can } from '../session.js';
import { navigate } from '../router.js';
import { DataTable, usePagedList } from '../components/table.js';
import { DialogForm } from '../components/dialog.js';
import { ChartPanel } from '../components/chart.js';
import {
  ACCOUNT_STATUSES, ALARM_KINDS, ARREARS_RULES, CHANNELS, METER_LIFECYCLE, SALE_KINDS, SALE_STATUSES, kwh, when, word, yuan,
} from '../format.js';

function useSearch(text) {
  const [hits, setHits] = useState(null);
  useEffect(() => {
    if (!text) { setHits(null); return undefined; }
    let live = true;
    get('/search/accounts', { q: text }).then((found) => live && setHits(found));
    return () => { live = false; };
  }, [text]);
  return hits;
}

function AccountList() {
  const [typed, setTyped] = useState('');
  const [text, setText] = useState('');
  const [status, setStatus] = useState('');
  const list = usePagedList('/accounts', { status });
  const hits = useSearch(text);
  const shown = hits ? { rows: hits, pagination: null, loading: false } : list;
  const columns = [
    { key: 'number', title: t('Account'), sortable: true, render: (a) => html`<a href=${`#/tenants/${a.id}`}>${a.number}</a>` },
    { key: 'tenant_name', title: t('Tenant'), sortable: true },
    { key: 'phone', title: t('Phone') },
    { key: 'status', title: t('Status'), render: (a) => word(ACCOUNT_STATUSES, a.status) },
    { key: 'meters', title: t('Meters'), render: (a) => (a.serial_numbers || (a.meters || []).map((m) => m.serial_number)).join(', ') },
  ];
  if (!hits) columns.push({ key: 'balance', title: t('Balance'), align: 'right', sortable: true, sortValue: (a) => Number(a.balance), render: (a) => yuan(a.balance) });
  return html`<div class="list-screen">
    <form class="search-form" onSubmit=${(e) => { e.preventDefault(); setText(typed.trim()); }}>
      <input type="search" name="q" class="wide-input" value=${typed} onInput=${(e) => setTyped(e.target.value)}
        placeholder=${t('Account number, name, phone, unit or meter serial')} />
      <button class="btn btn-primary" type="submit">${t('Search')}</button>
      <button class="btn" type="button" onClick=${() => { setTyped(''); setText(''); }}>${t('Reset')}</button>
      <label>${t('Status')} <select value=${status} onChange=${(e) => setStatus(e.target.value)}>
        <option value="">${t('All')}</option>
        ${Object.keys(ACCOUNT_STATUSES).map((s) => html`<option value=${s}>${word(ACCOUNT_STATUSES, s)}</option>`)}</select></label>
    </form>
    <${DataTable} columns=${columns} list=${shown} />
  </div>`;
}

function energyOption(rows) {
  return {
    animation: false, tooltip: { trigger: 'axis' }, grid: { left: 48, right: 16, top: 24, bottom: 28 },
    xAxis: { type: 'category', data: rows.map((r) => r.period.slice(5)) }, yAxis: { type: 'value', name: 'kWh' },
    series: [{ type: 'bar', data: rows.map((r) => Number(r.energy)), itemStyle: { color: '#409EFF' } }],
  };
}

function profileFields() {
  return [
    { name: 'tenant_name', label: t('Tenant') },
    { name: 'phone', label: t('Phone'), inputmode: 'tel' },
    { name: 'alarm1_threshold', label: t('Alarm 1 below'), inputmode: 'decimal' },
    { name: 'alarm2_threshold', label: t('Alarm 2 below'), inputmode: 'decimal' },
    { name: 'arrears_rule', label: t('At zero'), options: Object.keys(ARREARS_RULES).map((r) => [r, word(ARREARS_RULES, r)]) },
  ];
}

function AccountPage({ id }) {
  const [account, setAccount] = useState(null);
  const [energy, setEnergy] = useState(null);
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState(null);
  const load = () => get(`/accounts/${id}`).then(setAccount).catch(setError);
  useEffect(() => {
    load();
    get(`/accounts/${id}/energy`, { granularity: 'day' }).then(setEnergy).catch(() => setEnergy(null));
  }, [id]);
  const sales = usePagedList('/sales', { account_id: id }, 20);
  const alarms = usePagedList('/alarms', { account_id: id }, 20);
  if (error) return html`<div class="form-error">${error.message}</div>`;
  if (!account) return html`<div class="loading">${t('Loading…')}</div>`;
  const save = async (values) => {
    await api('PATCH', `/accounts/${id}`, { json: values });
    setEditing(false);
    load();
  };
  return html`<div class="account-page">
    <div class="panel account-head">
      <div><a href="#/tenants">‹ ${t('Tenants')}</a>
        <h2>${account.tenant_name} <span class="muted">${account.number}</span></h2>
        <div class="muted">${account.phone} · ${word(ACCOUNT_STATUSES, account.status)} · ${t('At zero')}: ${word(ARREARS_RULES, account.arrears_rule)}</div></div>
      <div class="account-balance"><span class="muted">${t('Balance')}</span><b data-role="balance">${yuan(account.balance)}</b>
        <span class="muted small">${t('Wallet')} ${yuan(account.money.wallet)} · ${t('On meters')} ${yuan(account.money.on_meters)} · ${t('In transit')} ${yuan(account.money.in_transit)}</span></div>
      <div class="toolbar">
        ${can('sales.write') && html`<button class="btn btn-primary" data-role="write" onClick=${() => navigate('/sales', { account: id })}>${t('Recharge')}</button>`}
        ${can('accounts.write') && html`<button class="btn" data-role="write" onClick=${() => setEditing(true)}>${t('Edit')}</button>`}
      </div>
    </div>
    <div class="dash-row">
      <section class="panel"><h3 class="panel-title">${t('Meters')}</h3>
        <table class="data-table compact"><thead><tr><th>${t('Serial number')}</th><th>${t('Status')}</th></tr></thead>
          <tbody>${account.meters.map((m) => html`<tr key=${m.id}><td>${m.serial_number}</td><td>${word(METER_LIFECYCLE, m.status)}</td></tr>`)}</tbody></table></section>
      ${energy && html`<${ChartPanel} title=${`${t('Energy by day')} · ${kwh(energy.total)}`} option=${energyOption(energy.rows)} height=${220} />`}
    </div>
    <section class="panel"><h3 class="panel-title">${t('Sales')}</h3>
      <${DataTable} list=${sales} columns=${[
        { key: 'created_at', title: t('Time'), render: (s) => when(s.created_at) },
        { key: 'receipt_number', title: t('Receipt No.') },
        { key: 'kind', title: t('Kind'), render: (s) => word(SALE_KINDS, s.kind) },
        { key: 'channel', title: t('Channel'), render: (s) => word(CHANNELS, s.channel) },
        { key: 'amount', title: t('Amount'), align: 'right', render: (s) => yuan(s.amount) },
        { key: 'status', title: t('Status'), render: (s) => word(SALE_STATUSES, s.status) },
        { key: 'balance_after', title: t('Balance after'), align: 'right', render: (s) => yuan(s.balance_after) }]} /></section>
    <section class="panel"><h3 class="panel-title">${t('Alarms')}</h3>
      <${DataTable} list=${alarms} columns=${[
        { key: 'raised_at', title: t('Raised'), render: (a) => when(a.raised_at) },
        { key: 'kind', title: t('Kind'), render: (a) => word(ALARM_KINDS, a.kind) },
        { key: 'cleared_at', title: t('Cleared'), render: (a) => when(a.cleared_at) }]} /></section>
    ${editing && html`<${DialogForm} title=${t('Edit the tenant')} fields=${profileFields()} initial=${account}
      onSubmit=${save} onClose=${() => setEditing(false)} />`}
  </div>`;
}

export function TenantsScreen({ path }) {
  const id = Number(path.split('/')[2]);
  return id ? html`<${AccountPage} id=${id} />` : html`<${AccountList} />`;
}
