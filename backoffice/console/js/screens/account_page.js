// One account: where its money is, its meters (add, take off, swap), usage by day or month, the
// profile with thresholds and the arrears rule, closing (销户), and its history in tabs.
import { html, useEffect, useState } from '../lib.js';
import { api, get } from '../api.js';
import { t } from '../i18n.js';
import { can } from '../session.js';
import { navigate } from '../router.js';
import { DialogForm } from '../components/dialog.js';
import { ChartPanel } from '../components/chart.js';
import { StatusTag, meterStatus } from '../components/status_tag.js';
import { ACCOUNT_STATUSES, ARREARS_RULES, kwh, word, yuan } from '../format.js';
import { AccountHistory } from './account_history.js';
import { AddMeterDialog, CloseAccountDialog, RemoveMeterDialog } from './account_dialogs.js';
import { SwapWizard } from './swap_wizard.js';

const GRANULARITY = { day: 'By day', month: 'By month' };

function energyOption(rows, granularity) {
  return {
    animation: false, tooltip: { trigger: 'axis' }, grid: { left: 48, right: 16, top: 24, bottom: 28 },
    xAxis: { type: 'category', data: rows.map((r) => (granularity === 'day' ? r.period.slice(5) : r.period.slice(0, 7))) },
    yAxis: { type: 'value', name: 'kWh' },
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

function Usage({ account }) {
  const [granularity, setGranularity] = useState('day');
  const [energy, setEnergy] = useState(null);
  useEffect(() => {
    get(`/accounts/${account.id}/energy`, { granularity }).then(setEnergy).catch(() => setEnergy(null));
  }, [account.id, granularity]);
  const title = `${t(granularity === 'day' ? 'Energy by day' : 'Energy by month')} · ${energy ? kwh(energy.total) : '—'}`;
  return html`<div class="usage">
    <div class="view-toggle usage-toggle" role="group" aria-label=${t('Usage')}>
      ${Object.entries(GRANULARITY).map(([code, label]) => html`<button key=${code} type="button" data-granularity=${code}
        class=${granularity === code ? 'on' : ''} onClick=${() => setGranularity(code)}>${t(label)}</button>`)}</div>
    ${energy && html`<${ChartPanel} title=${title} option=${energyOption(energy.rows, granularity)} height=${220} />`}
  </div>`;
}

function Meters({ account, rows, onChange }) {
  const [dialog, setDialog] = useState(null);  // {kind: 'add' | 'remove' | 'swap', meter}
  const mayWrite = can('accounts.write') && account.status === 'open';
  const done = () => { setDialog(null); onChange(); };
  const row = (meter) => rows.find((r) => r.meter_id === meter.id) || { meter_id: meter.id, serial_number: meter.serial_number, total_energy: null };
  return html`<section class="panel">
    <div class="panel-head"><h3 class="panel-title">${t('Meters')}</h3>
      ${mayWrite && html`<div class="toolbar"><button class="btn btn-small" data-role="write" data-action="add-meters"
        onClick=${() => setDialog({ kind: 'add' })}>${t('Add meters')}</button></div>`}</div>
    <table class="data-table compact" data-role="account-meters"><thead><tr><th>${t('Serial number')}</th><th>${t('Place')}</th>
      <th>${t('Status')}</th><th class="num">${t('Reading')}</th>${mayWrite && html`<th>${t('Actions')}</th>`}</tr></thead>
      <tbody>${account.meters.map((meter) => {
        const status = row(meter);
        return html`<tr key=${meter.id} data-meter=${meter.serial_number}><td>${meter.serial_number}</td>
          <td>${status.building ? `${status.building} ${status.unit || ''}` : '—'}</td>
          <td>${status.meter_status ? html`<${StatusTag} status=${meterStatus(status)} />` : '—'}</td>
          <td class="num">${kwh(status.total_energy)}</td>
          ${mayWrite && html`<td><span class="row-actions">
            <button class="btn btn-small btn-link" data-role="write" data-action="swap" onClick=${() => setDialog({ kind: 'swap', meter: status })}>${t('Swap')}</button>
            ${account.meters.length > 1 && html`<button class="btn btn-small btn-link" data-role="write" data-action="remove"
              onClick=${() => setDialog({ kind: 'remove', meter })}>${t('Take off')}</button>`}</span></td>`}</tr>`;
      })}</tbody></table>
    ${dialog && dialog.kind === 'add' && html`<${AddMeterDialog} account=${account} onDone=${done} onClose=${() => setDialog(null)} />`}
    ${dialog && dialog.kind === 'remove' && html`<${RemoveMeterDialog} account=${account} meter=${dialog.meter} onDone=${done} onClose=${() => setDialog(null)} />`}
    ${dialog && dialog.kind === 'swap' && html`<${SwapWizard} account=${account} old=${dialog.meter} onSwapped=${done} onClose=${() => setDialog(null)} />`}
  </section>`;
}

export function AccountPage({ id }) {
  const [account, setAccount] = useState(null);
  const [meterRows, setMeterRows] = useState([]);
  const [dialog, setDialog] = useState(null);  // 'edit' | 'close'
  const [error, setError] = useState(null);
  const [version, setVersion] = useState(0);  // bumped after a change, so the history reloads
  const [held, setHeld] = useState(null);  // the closing refund, when it waits for approval
  const load = () => {
    get(`/accounts/${id}`).then(setAccount).catch(setError);
    if (can('registry.read')) get('/meter-status', { account_id: id, page_size: 100 }).then(setMeterRows);
  };
  useEffect(() => { load(); }, [id]);
  if (error) return html`<div class="form-error">${error.message}</div>`;
  if (!account) return html`<div class="loading">${t('Loading…')}</div>`;
  const changed = () => { setDialog(null); load(); setVersion((n) => n + 1); };
  const save = async (values) => {
    await api('PATCH', `/accounts/${id}`, { json: values });
    changed();
  };
  const open = account.status === 'open';
  const serials = Object.fromEntries(account.meters.map((m) => [m.id, m.serial_number]));
  return html`<div class="account-page">
    <div class="panel account-head">
      <div><a href="#/tenants">‹ ${t('Tenants')}</a>
        <h2>${account.tenant_name} <span class="muted">${account.number}</span></h2>
        <div class="muted" data-role="account-status">${account.phone} · ${word(ACCOUNT_STATUSES, account.status)} · ${t('At zero')}: ${word(ARREARS_RULES, account.arrears_rule)}
          · ${t('Alarm 1 below')} ${yuan(account.alarm1_threshold)} · ${t('Alarm 2 below')} ${yuan(account.alarm2_threshold)}</div></div>
      <div class="account-balance"><span class="muted">${t('Balance')}</span><b data-role="balance">${yuan(account.balance)}</b>
        <span class="muted small">${t('Wallet')} ${yuan(account.money.wallet)} · ${t('On meters')} ${yuan(account.money.on_meters)} · ${t('In transit')} ${yuan(account.money.in_transit)}</span></div>
      <div class="toolbar">
        ${open && can('sales.write') && html`<button class="btn btn-primary" data-role="write" onClick=${() => navigate('/sales', { account: id })}>${t('Recharge')}</button>`}
        ${open && can('accounts.write') && html`<button class="btn" data-role="write" data-action="edit" onClick=${() => setDialog('edit')}>${t('Edit')}</button>
          <button class="btn" data-role="write" data-action="close-account" onClick=${() => setDialog('close')}>${t('Close account')}</button>`}
      </div>
    </div>
    ${held && html`<div class="notice" data-role="held">${t('Refund of {amount} is waiting for approval by a second person.', { amount: yuan(held.amount) })}</div>`}
    <div class="dash-row even">
      <${Meters} account=${account} rows=${meterRows} onChange=${changed} />
      <${Usage} key=${version} account=${account} />
    </div>
    <${AccountHistory} key=${version} account=${account} serials=${serials} />
    ${dialog === 'edit' && html`<${DialogForm} title=${t('Edit the tenant')} fields=${profileFields()} initial=${account}
      onSubmit=${save} onClose=${() => setDialog(null)} />`}
    ${dialog === 'close' && html`<${CloseAccountDialog} account=${account} onClose=${() => setDialog(null)}
      onDone=${(refund) => { setHeld(refund); changed(); }} />`}
  </div>`;
}
