// The system log (系统日志): who did what to which row, filtered by operator, entity, action and
// time; Verify checks the hash chain and names the first broken row, if any.
import { html, useEffect, useState } from '../lib.js';
import { get } from '../api.js';
import { t } from '../i18n.js';
import { DataTable, usePagedList } from '../components/table.js';
import { when, word } from '../format.js';

export const ACTIONS = {
  create: 'Created', update: 'Changed', delete: 'Deleted', login: 'Logged in', logout: 'Logged out',
  login_failed: 'Login failed', login_refused: 'Login refused', password_set: 'Password set',
  unlock: 'Unlocked', acknowledge: 'Acknowledged', approve: 'Approved', reject: 'Rejected',
  reprint: 'Receipt reprinted',
};

// A datetime-local value (the browser's zone) as the instant the API reads.
const instant = (local) => (local ? new Date(local).toISOString() : '');

function Changes({ entry }) {
  const before = entry.before || {};
  const after = entry.after || {};
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  if (!names.length) return '—';
  const show = (value) => (value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));
  return html`<details class="changes"><summary>${t('Fields: {n}', { n: names.length })}</summary>
    <table class="data-table compact"><tbody>${names.map((name) => html`<tr key=${name}><th>${name}</th>
      <td>${show(before[name])}</td><td>→ ${show(after[name])}</td></tr>`)}</tbody></table></details>`;
}

function VerifyResult({ result }) {
  if (!result) return null;
  if (result.error) return html`<span class="error-text">${result.error}</span>`;
  return result.ok
    ? html`<span class="verify verify-ok" data-role="verify-result" role="status">✓ ${t('Chain intact')}
        <span class="muted">${t('{n} rows checked', { n: result.checked })}</span></span>`
    : html`<span class="verify verify-broken" data-role="verify-result" role="alert">✗ ${t('Broken at row {id}', { id: result.broken_entry_id ?? '—' })}
        <span class="muted">${result.reason}</span></span>`;
}

export function LogTab() {
  const [entities, setEntities] = useState([]);
  const [form, setForm] = useState({ actor_name: '', entity: '', action: '', since: '', until: '' });
  const [filters, setFilters] = useState({});
  const [verdict, setVerdict] = useState(null);
  const [checking, setChecking] = useState(false);
  useEffect(() => { get('/audit/entities').then(setEntities); }, []);
  const list = usePagedList('/audit', filters, 20);
  const names = Object.fromEntries(entities.map((e) => [e.entity, e.name]));
  const set = (name) => (event) => setForm({ ...form, [name]: event.target.value });
  const search = (event) => {
    event.preventDefault();
    setFilters({ actor_name: form.actor_name.trim(), entity: form.entity, action: form.action,
      since: instant(form.since), until: instant(form.until) });
  };
  const verify = async () => {
    setChecking(true);
    try { setVerdict(await get('/audit/verify')); } catch (error) { setVerdict({ error: error.message }); }
    setChecking(false);
  };
  const broken = verdict && verdict.broken_entry_id;
  const columns = [
    { key: 'id', title: '#', sortable: true },
    { key: 'at', title: t('Time'), sortable: true, render: (e) => when(e.at) },
    { key: 'actor_name', title: t('Operator'), render: (e) => e.actor_name || t('System') },
    { key: 'ip', title: t('Address') },
    { key: 'action', title: t('Action'), render: (e) => word(ACTIONS, e.action) },
    { key: 'entity', title: t('What'), render: (e) => (e.entity in names ? t(names[e.entity]) : e.entity) },
    { key: 'entity_id', title: t('Row') },
    { key: 'changes', title: t('Changes'), render: (e) => html`<${Changes} entry=${e} />` },
  ];
  return html`<div class="list-screen">
    <form class="search-form" onSubmit=${search}>
      <label>${t('Operator')} <input name="actor_name" value=${form.actor_name} onInput=${set('actor_name')} /></label>
      <label>${t('What')} <select name="entity" value=${form.entity} onChange=${set('entity')}><option value="">${t('All')}</option>
        ${entities.map((e) => html`<option key=${e.entity} value=${e.entity}>${t(e.name)}</option>`)}</select></label>
      <label>${t('Action')} <select name="action" value=${form.action} onChange=${set('action')}><option value="">${t('All')}</option>
        ${Object.keys(ACTIONS).map((a) => html`<option key=${a} value=${a}>${word(ACTIONS, a)}</option>`)}</select></label>
      <label>${t('From')} <input name="since" type="datetime-local" value=${form.since} onInput=${set('since')} /></label>
      <label>${t('To')} <input name="until" type="datetime-local" value=${form.until} onInput=${set('until')} /></label>
      <button class="btn btn-primary" type="submit">${t('Search')}</button>
    </form>
    <div class="toolbar">
      <button class="btn" data-role="verify" disabled=${checking} onClick=${verify}>${checking ? t('Checking…') : t('Verify the chain')}</button>
      <${VerifyResult} result=${verdict} />
      ${broken && html`<button class="btn btn-small" data-role="show-broken"
        onClick=${() => setFilters({ id: verdict.broken_entry_id })}>${t('Show that row')}</button>`}
    </div>
    <${DataTable} columns=${columns} list=${list} />
  </div>`;
}
