// Alarms: active or past, by kind; acknowledge (the alarm stays until its cause clears).
import { html, useState } from '../lib.js';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { can } from '../session.js';
import { DataTable, usePagedList } from '../components/table.js';
import { ExportButton } from '../components/export_button.js';
import { ALARM_KINDS, alarmDetail, when, word } from '../format.js';

export function AlarmsScreen({ query }) {
  const [filters, setFilters] = useState({ active: query.active || 'true', kind: query.kind || '' });
  const list = usePagedList('/alarms', filters);
  const acknowledge = async (alarm) => {
    await api('POST', `/alarms/${alarm.id}/acknowledge`);
    list.reload();
  };
  const columns = [
    { key: 'raised_at', title: t('Raised'), sortable: true, render: (a) => when(a.raised_at) },
    { key: 'kind', title: t('Kind'), sortable: true, render: (a) => html`<span class=${`tag tag-alarm-${a.kind}`}>${word(ALARM_KINDS, a.kind)}</span>` },
    { key: 'subject', title: t('Subject'), render: (a) => a.meter_id ? t('Meter {id}', { id: a.meter_id })
      : a.account_id ? html`<a href=${`#/tenants/${a.account_id}`}>${t('Account {id}', { id: a.account_id })}</a>`
        : t('Gateway {id}', { id: a.gateway_id }) },
    { key: 'detail', title: t('Detail'), render: (a) => alarmDetail(a.detail) },
    { key: 'acknowledged_at', title: t('Acknowledged'), render: (a) => when(a.acknowledged_at) },
    { key: 'cleared_at', title: t('Cleared'), render: (a) => when(a.cleared_at) },
  ];
  if (can('alarms.acknowledge')) {
    columns.push({ key: 'actions', title: t('Actions'), render: (a) => !a.acknowledged_at && a.active
      && html`<button class="btn btn-small btn-link" data-role="write" onClick=${() => acknowledge(a)}>${t('Acknowledge')}</button>` });
  }
  const set = (name) => (event) => setFilters({ ...filters, [name]: event.target.value });
  return html`<div class="list-screen">
    <form class="search-form" onSubmit=${(e) => e.preventDefault()}>
      <label>${t('State')} <select value=${filters.active} onChange=${set('active')}>
        <option value="true">${t('Active')}</option><option value="false">${t('Cleared')}</option><option value="">${t('All')}</option></select></label>
      <label>${t('Kind')} <select value=${filters.kind} onChange=${set('kind')}><option value="">${t('All')}</option>
        ${Object.keys(ALARM_KINDS).map((kind) => html`<option value=${kind}>${word(ALARM_KINDS, kind)}</option>`)}</select></label>
    </form>
    <div class="toolbar"><${ExportButton} path="/alarms/export" query=${filters} /></div>
    <${DataTable} columns=${columns} list=${list} />
  </div>`;
}
