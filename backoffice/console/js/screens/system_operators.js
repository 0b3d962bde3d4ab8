// Operators (操作员): create, change role and site scope, unlock, disable; and the roles with
// what each may do. Write buttons only for operators.write (the API refuses anyway).
import { html, useEffect, useState } from '../lib.js';
import { api, get } from '../api.js';
import { t } from '../i18n.js';
import { can, session } from '../session.js';
import { DataTable, usePagedList } from '../components/table.js';
import { DialogForm } from '../components/dialog.js';
import { roleWord } from '../components/layout.js';
import { usePlaces } from '../components/site_select.js';
import { when } from '../format.js';

const ROLES = ['admin', 'finance', 'operator', 'viewer', 'auditor', 'kiosk'];

function operatorFields(sites, creating) {
  return [
    creating && { name: 'username', label: t('Username'), autocomplete: 'off' },
    { name: 'display_name', label: t('Name') },
    { name: 'password', label: creating ? t('Password') : t('New password'), type: 'password',
      autocomplete: 'new-password', placeholder: creating ? '' : t('Leave empty to keep it') },
    { name: 'role', label: t('Role'), options: ROLES.map((r) => [r, t(roleWord(r))]) },
    { name: 'all_sites', label: t('Sites'), type: 'checkbox', text: t('Every site, present and future') },
    { name: 'site_ids', label: t('Sites it sees'), type: 'ticks', shown: (values) => !values.all_sites,
      options: sites.map((site) => [site.id, site.name]) },
  ].filter(Boolean);
}

function SiteNames({ operator, sites }) {
  if (operator.all_sites) return t('All sites');
  const names = Object.fromEntries(sites.map((site) => [site.id, site.name]));
  return operator.site_ids.map((id) => names[id] || id).join(', ') || '—';
}

export function OperatorsTab() {
  const sites = usePlaces();
  const [filters, setFilters] = useState({ role: '', active: '' });
  const list = usePagedList('/operators', filters, 20);
  const [editing, setEditing] = useState(null);  // {} to create, an operator to change
  const [failure, setFailure] = useState(null);
  const mayWrite = can('operators.write');
  const act = async (work) => {
    setFailure(null);
    try { await work(); } catch (error) { setFailure(error.message); }
    list.reload();
  };
  const save = async (values) => {
    const body = { display_name: values.display_name, role: values.role, all_sites: Boolean(values.all_sites),
      site_ids: values.all_sites ? [] : values.site_ids.map(Number) };
    if (values.password) body.password = values.password;
    if (editing.id) await api('PATCH', `/operators/${editing.id}`, { json: body });
    else await api('POST', '/operators', { json: { ...body, username: values.username, password: values.password } });
    setEditing(null);
    list.reload();
  };
  const me = session().operator.id;
  const columns = [
    { key: 'username', title: t('Username'), sortable: true },
    { key: 'display_name', title: t('Name') },
    { key: 'role', title: t('Role'), sortable: true, render: (o) => t(roleWord(o.role)) },
    { key: 'sites', title: t('Sites'), render: (o) => html`<${SiteNames} operator=${o} sites=${sites} />` },
    { key: 'active', title: t('Status'), render: (o) => html`<span class=${`state state-${o.active ? 'on' : 'off'}`}>
      ${o.active ? t('Enabled') : t('Disabled')}</span>${o.locked_until && html` <span class="state state-locked">${t('Locked')}</span>`}` },
    { key: 'totp_enabled', title: t('Two-step verification'), render: (o) => (o.totp_enabled ? t('On') : t('Off')) },
    { key: 'created_at', title: t('Created'), render: (o) => when(o.created_at) },
  ];
  if (mayWrite) {
    columns.push({ key: 'actions', title: t('Actions'), render: (o) => html`
      <button class="btn btn-small btn-link" data-role="write" onClick=${() => setEditing(o)}>${t('Edit')}</button>
      ${o.locked_until && html`<button class="btn btn-small btn-link" data-role="write"
        onClick=${() => act(() => api('POST', `/operators/${o.id}/unlock`))}>${t('Unlock')}</button>`}
      ${o.id !== me && html`<button class="btn btn-small btn-link" data-role="write"
        onClick=${() => act(() => api('PATCH', `/operators/${o.id}`, { json: { active: !o.active } }))}>
        ${o.active ? t('Disable') : t('Enable')}</button>`}` });
  }
  const set = (name) => (event) => setFilters({ ...filters, [name]: event.target.value });
  return html`<div class="list-screen">
    <form class="search-form" onSubmit=${(e) => e.preventDefault()}>
      <label>${t('Role')} <select name="role" value=${filters.role} onChange=${set('role')}><option value="">${t('All')}</option>
        ${ROLES.map((r) => html`<option key=${r} value=${r}>${t(roleWord(r))}</option>`)}</select></label>
      <label>${t('Status')} <select name="active" value=${filters.active} onChange=${set('active')}><option value="">${t('All')}</option>
        <option value="true">${t('Enabled')}</option><option value="false">${t('Disabled')}</option></select></label>
    </form>
    ${mayWrite && html`<div class="toolbar"><button class="btn btn-primary" data-role="write"
      onClick=${() => setEditing({})}>${t('New operator')}</button></div>`}
    ${failure && html`<div class="form-error" role="alert">${failure}</div>`}
    <${DataTable} columns=${columns} list=${list} />
    ${editing && html`<${DialogForm} title=${editing.id ? t('Edit operator {name}', { name: editing.username }) : t('New operator')}
      fields=${operatorFields(sites, !editing.id)} onSubmit=${save} onClose=${() => setEditing(null)}
      initial=${editing.id ? { ...editing, password: '' } : { role: 'operator', all_sites: false, site_ids: [] }} />`}
  </div>`;
}

export function RolesTab() {
  const [roles, setRoles] = useState(null);
  useEffect(() => { get('/operators/roles').then(setRoles); }, []);
  if (!roles) return html`<div class="loading">${t('Loading…')}</div>`;
  return html`<div class="roles">
    ${roles.map((role) => html`<section class="panel role-card" key=${role.role} data-role-name=${role.role}>
      <h3 class="panel-title">${t(roleWord(role.role))} <span class="muted">${t('{n} permissions', { n: role.permissions.length })}</span></h3>
      <ul class="role-permissions">${role.permissions.map((p) => html`<li key=${p.name} title=${p.name}>${t(p.description)}</li>`)}</ul>
    </section>`)}
  </div>`;
}
