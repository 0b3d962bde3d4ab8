// Report centre, the meters: energy by meter, account or building; who is out of contact
// (meters and gateways); the SMS outbox. Alarms reuse the alarm list as it is.
import { html, useEffect, useState } from '../lib.js';
import { get } from '../api.js';
import { t } from '../i18n.js';
import { DataTable, usePagedList } from '../components/table.js';
import { ExportButton } from '../components/export_button.js';
import { ChartPanel } from '../components/chart.js';
import { PeriodFields, defaultPeriod } from '../components/period.js';
import { BuildingSelect, SiteSelect, usePlaces } from '../components/site_select.js';
import { SMS_KINDS, SMS_STATES, alarmDetail, kwh, when, word } from '../format.js';

const ENERGY_BY = { meter: 'By meter', account: 'By account', building: 'By building' };

function energyColumns(by) {
  const energy = { key: 'energy', title: t('Energy'), align: 'right', sortable: true,
    sortValue: (r) => Number(r.energy), render: (r) => kwh(r.energy) };
  if (by === 'building') {
    return [{ key: 'site_code', title: t('Site') }, { key: 'building', title: t('Building'), sortable: true },
      { key: 'meters', title: t('Meters'), align: 'right' }, energy];
  }
  const account = { key: 'account_number', title: t('Account'), render: (r) => (r.account_id
    ? html`<a href=${`#/tenants/${r.account_id}`}>${r.account_number}</a>` : '—') };
  const place = [{ key: 'building', title: t('Building') }, { key: 'unit', title: t('Unit') }];
  if (by === 'account') {
    return [account, { key: 'tenant_name', title: t('Tenant'), sortable: true }, ...place,
      { key: 'meters', title: t('Meters'), align: 'right' }, energy];
  }
  return [{ key: 'serial_number', title: t('Serial number'), sortable: true }, ...place, account,
    { key: 'tenant_name', title: t('Tenant') }, energy];
}

function energyOption(rows, by) {
  const label = (r) => (by === 'building' ? r.building : by === 'account' ? r.account_number : r.serial_number);
  const top = [...rows].sort((a, b) => Number(b.energy) - Number(a.energy)).slice(0, 20);
  return {
    animation: false, tooltip: { trigger: 'axis' }, grid: { left: 56, right: 16, top: 24, bottom: 60 },
    xAxis: { type: 'category', data: top.map(label), axisLabel: { rotate: 30 } },
    yAxis: { type: 'value', name: 'kWh' },
    series: [{ type: 'bar', data: top.map((r) => Number(r.energy)), itemStyle: { color: '#409EFF' } }],
  };
}

export function EnergyTab() {
  const sites = usePlaces();
  const [filters, setFilters] = useState(() => {
    const period = defaultPeriod('day');
    return { by: 'building', from: period.from, to: period.to, site_id: '', building_id: '' };
  });
  const list = usePagedList('/reports/energy', filters, 20);
  const set = (name) => (value) => setFilters({ ...filters, [name]: value });
  const keyOf = (r) => `${filters.by}:${r[`${filters.by}_id`]}`;
  return html`<div>
    <div class="list-screen">
      <form class="search-form" onSubmit=${(e) => e.preventDefault()}>
        <label>${t('Rows')} <select name="by" value=${filters.by} onChange=${(e) => set('by')(e.target.value)}>
          ${Object.entries(ENERGY_BY).map(([by, label]) => html`<option key=${by} value=${by}>${t(label)}</option>`)}</select></label>
        <${PeriodFields} value=${{ ...filters, period: 'day' }} units=${false}
          onChange=${(period) => setFilters({ ...filters, from: period.from, to: period.to })} />
        <${SiteSelect} sites=${sites} value=${filters.site_id} onChange=${(v) => setFilters({ ...filters, site_id: v, building_id: '' })} />
        <${BuildingSelect} sites=${sites} siteId=${filters.site_id} value=${filters.building_id} onChange=${set('building_id')} />
      </form>
    </div>
    ${list.rows.length > 0 && html`<${ChartPanel} title=${t('Energy used (kWh), the most on this page')}
      option=${energyOption(list.rows, filters.by)} height=${240} />`}
    <div class="list-screen">
      <div class="toolbar"><${ExportButton} path="/reports/energy/export" query=${filters} /></div>
      <${DataTable} columns=${energyColumns(filters.by)} list=${list} rowKey=${keyOf} />
    </div>
  </div>`;
}

function useGatewayNames() {
  const [names, setNames] = useState({});
  useEffect(() => {
    get('/gateways', { page_size: 100 }).then((rows) => setNames(Object.fromEntries(rows.map((g) => [g.id, g.name]))));
  }, []);
  return names;
}

export function LostTab() {
  const meterFilters = { status: 'lost_comm' };
  const gatewayFilters = { kind: 'gateway_lost', active: 'true' };
  const meters = usePagedList('/meter-status', meterFilters, 20);
  const gateways = usePagedList('/alarms', gatewayFilters, 20);
  const names = useGatewayNames();
  return html`<div>
    <section class="list-screen panel-gap">
      <h3 class="panel-title">${t('Meters out of contact')}</h3>
      <div class="toolbar"><${ExportButton} path="/meter-status/export" query=${meterFilters} /></div>
      <${DataTable} list=${meters} rowKey="meter_id" columns=${[
        { key: 'serial_number', title: t('Serial number'), sortable: true },
        { key: 'building', title: t('Building') }, { key: 'unit', title: t('Unit') },
        { key: 'tenant_name', title: t('Tenant') },
        { key: 'last_read_at', title: t('Last read'), sortable: true, render: (r) => when(r.last_read_at) }]} />
    </section>
    <section class="list-screen">
      <h3 class="panel-title">${t('Gateways out of contact')}</h3>
      <div class="toolbar"><${ExportButton} path="/alarms/export" query=${gatewayFilters} /></div>
      <${DataTable} list=${gateways} columns=${[
        { key: 'gateway_id', title: t('Gateway'), render: (a) => names[a.gateway_id] || t('Gateway {id}', { id: a.gateway_id }) },
        { key: 'raised_at', title: t('Since'), sortable: true, render: (a) => when(a.raised_at) },
        { key: 'detail', title: t('Detail'), render: (a) => alarmDetail(a.detail) },
        { key: 'acknowledged_at', title: t('Acknowledged'), render: (a) => when(a.acknowledged_at) }]} />
    </section>
  </div>`;
}

export function SmsTab() {
  const sites = usePlaces();
  const [filters, setFilters] = useState({ site_id: '', state: '', kind: '' });
  const list = usePagedList('/sms', filters, 20);
  const set = (name) => (event) => setFilters({ ...filters, [name]: event.target.value });
  return html`<div class="list-screen">
    <form class="search-form" onSubmit=${(e) => e.preventDefault()}>
      <${SiteSelect} sites=${sites} value=${filters.site_id} onChange=${(v) => setFilters({ ...filters, site_id: v })} />
      <label>${t('State')} <select name="state" value=${filters.state} onChange=${set('state')}><option value="">${t('All')}</option>
        ${Object.keys(SMS_STATES).map((s) => html`<option key=${s} value=${s}>${word(SMS_STATES, s)}</option>`)}</select></label>
      <label>${t('Kind')} <select name="kind" value=${filters.kind} onChange=${set('kind')}><option value="">${t('All')}</option>
        ${Object.keys(SMS_KINDS).map((k) => html`<option key=${k} value=${k}>${word(SMS_KINDS, k)}</option>`)}</select></label>
    </form>
    <div class="toolbar"><${ExportButton} path="/sms/export" query=${filters} /></div>
    <${DataTable} list=${list} columns=${[
      { key: 'created_at', title: t('Time'), sortable: true, render: (m) => when(m.created_at) },
      { key: 'phone', title: t('Phone') },
      { key: 'account_id', title: t('Account'), render: (m) => html`<a href=${`#/tenants/${m.account_id}`}>${m.account_id}</a>` },
      { key: 'kind', title: t('Kind'), render: (m) => word(SMS_KINDS, m.kind) },
      { key: 'state', title: t('State'), render: (m) => html`<span class=${`sms sms-${m.state}`}>${word(SMS_STATES, m.state)}</span>` },
      { key: 'body', title: t('Text'), render: (m) => html`<span class="cell-text" title=${m.body}>${m.body}</span>` },
      { key: 'attempts', title: t('Attempts'), align: 'right' },
      { key: 'sent_at', title: t('Sent'), render: (m) => when(m.sent_at) },
      { key: 'last_error', title: t('Why not'), render: (m) => m.last_error || '' }]} />
  </div>`;
}
