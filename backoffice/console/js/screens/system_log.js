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
  reprint: 'Receipt reprinted', kiosk_registered: 'Kiosk registered', tenant_sign_in: 'Tenant signed in',
  tenant_sign_in_failed: 'Tenant sign-in failed', tenant_supply: 'Tenant switched the supply',
};

// Why verify stopped, as the API says it (English, from the chain's walker), in the user's words.
const REASONS = [
  [/^row content does not match its hash$/, 'The row was changed after it was written: its content no longer matches its hash.'],
  [/^link to the previous row does not match$/, 'The row does not link to the row before it: a row was removed or inserted.'],
  [/^row does not match the checkpoint's hash$/, 'The newest row does not match the checkpoint kept of it.'],
  [/^the chain has no checkpoint of its end$/, 'The log has no checkpoint of its newest row.'],
  [/^the chain ends at (\d+) but the checkpoint says (\d+)$/, 'The log ends at row {last} but its checkpoint names row {head}: rows were cut off its end.'],
];

function reasonWords(reason) {
  for (const [pattern, words] of REASONS) {
    const found = pattern.exec(reason || '');
    if (found) return t(words, { last: found[1], head: found[2] });
  }
  return reason;
}

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

// The verdict; a broken chain names its first broken row with when and by whom it was written
// (the row as the log holds it now, fetched by id: it may be on no page shown).
function VerifyResult({ result, row }) {
  if (!result) return null;
  if (result.error) return html`<span class="error-text">${result.error}</span>`;
  if (result.ok) {
    return html`<span class="verify verify-ok" data-role="verify-result" role="status">✓ ${t('Chain intact')}
      <span class="muted">${t('{n} rows checked', { n: result.checked })}</span></span>`;
  }
  return html`<span class="verify verify-broken" data-role="verify-result" role="alert">
    ✗ ${t('Broken at row {id}', { id: result.broken_entry_id ?? '—' })}
    ${row && html`<span data-role="broken-row">${t('written {at} by {who}', { at: when(row.at), who: row.actor_name || t('System') })}</span>`}
    <span class="verify-reason" data-role="broken-reason">${reasonWords(result.reason)}</span></span>`;
}

export function LogTab() {
  const [entities, setEntities] = useState([]);
  const [form, setForm] = useState({ actor_name: '', entity: '', action: '', since: '', until: '' });
  const [filters, setFilters] = useState({});
  const [verdict, setVerdict] = useState(null);
  const [checking, setChecking] = useState(false);
  const [brokenRow, setBrokenRow] = useState(null);
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
    setBrokenRow(null);
    try {
      const result = await get('/audit/verify');
      setVerdict(result);
      list.reload();  // the rows as they are now: a tampered row shows its forged content
      if (result.broken_entry_id) {
        const [row] = await get('/audit', { id: result.broken_entry_id, page_size: 1 });
        setBrokenRow(row || null);
      }
    } catch (error) {
      setVerdict({ error: error.message });
    }
    setChecking(false);
  };
  const broken = verdict && verdict.broken_entry_id;
  const flag = (e) => (broken && e.id === broken ? html`<span class="broken-flag" data-role="broken-flag"
    title=${t('Broken at row {id}', { id: e.id })}>✗ ${e.id}</span>` : e.id);
  const columns = [
    { key: 'id', title: '#', sortable: true, render: flag },
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
      ${broken && html`<button class="btn btn-small" data-role="show-broken"
        onClick=${() => setFilters({ id: verdict.broken_entry_id })}>${t('Show that row')}</button>`}
      <${VerifyResult} result=${verdict} row=${brokenRow} />
    </div>
    <${DataTable} columns=${columns} list=${list} rowClass=${(e) => (broken && e.id === broken ? 'row-broken' : '')} />
  </div>`;
}
