// Lobby kiosks (自助终端): each a device operator of the kiosk role at one site, with one bearer
// token. Register one (its token shown once), see when each last called, revoke one. Reading
// needs operators.read (an auditor sees the list); the buttons need operators.write.
import { html, useState } from '../lib.js';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { can } from '../session.js';
import { DataTable, usePagedList } from '../components/table.js';
import { ConfirmDialog, DialogForm } from '../components/dialog.js';
import { usePlaces } from '../components/site_select.js';
import { when } from '../format.js';
import { IssuedDialog } from './system_tokens.js';

export function KiosksTab() {
  const list = usePagedList('/kiosk-devices', {}, 20);
  const sites = usePlaces();
  const [registering, setRegistering] = useState(false);
  const [issued, setIssued] = useState(null);
  const [revoking, setRevoking] = useState(null);
  const writable = can('operators.write');
  const siteNames = Object.fromEntries(sites.map((site) => [site.id, site.name]));
  const register = async (_values, payload) => {
    // No Idempotency-Key: the stored answer would keep the token, which is shown once only.
    const { body } = await api('POST', '/kiosk-devices', { json: payload });
    setRegistering(false);
    setIssued(body);
    list.reload();
  };
  const revoke = async () => {
    await api('DELETE', `/kiosk-devices/${revoking.id}`);
    setRevoking(null);
    list.reload();
  };
  const state = (device) => (device.active ? 'valid' : 'revoked');
  const columns = [
    { key: 'name', title: t('Name'), sortable: true },
    // null: a kiosk role given through Operators with every site (a registration names one).
    { key: 'site_id', title: t('Site'), render: (d) => (d.site_id === null ? t('All sites') : siteNames[d.site_id] || d.site_id) },
    { key: 'username', title: t('Username'), render: (d) => html`<code>${d.username}</code>` },
    { key: 'created_at', title: t('Registered'), sortable: true, render: (d) => when(d.created_at) },
    { key: 'last_seen_at', title: t('Last seen'), sortable: true,
      render: (d) => (d.last_seen_at ? when(d.last_seen_at) : html`<span class="muted">${t('Never')}</span>`) },
    { key: 'state', title: t('Status'), render: (d) => html`<span class=${`state state-${state(d)}`}
      data-state=${state(d)}>${d.active ? t('In service') : t('Revoked')}</span>` },
  ];
  if (writable) {
    columns.push({ key: 'actions', title: t('Actions'), render: (d) => d.active && html`<button
      class="btn btn-small btn-link danger" data-role="write" onClick=${() => setRevoking(d)}>${t('Revoke')}</button>` });
  }
  return html`<div class="list-screen" data-kind="kiosks">
    <div class="toolbar">
      ${writable && html`<button class="btn btn-primary" data-role="write" data-action="register"
        onClick=${() => setRegistering(true)}>+ ${t('Register a kiosk')}</button>`}
      <span class="muted">${t('Last seen is the last call the kiosk made with its token.')}</span></div>
    <${DataTable} columns=${columns} list=${list} empty=${t('No kiosk registered yet.')} />
    ${registering && html`<${DialogForm} title=${t('Register a kiosk')} submitLabel=${t('Register')}
      onSubmit=${register} onClose=${() => setRegistering(false)}
      initial=${{ site_id: sites.length ? String(sites[0].id) : '' }}
      fields=${[
        { name: 'name', label: t('Name'), placeholder: t('e.g. Lobby kiosk, tower A') },
        { name: 'site_id', label: t('Site'), numeric: true, options: sites.map((site) => [String(site.id), site.name]) }]} />`}
    ${issued && html`<${IssuedDialog} issued=${issued} onClose=${() => setIssued(null)}
      title=${t('Kiosk {name} registered', { name: issued.name })}
      notice=${t('Enter this token in the kiosk now. It will not be shown again: if it is lost, revoke this kiosk and register it anew.')} />`}
    ${revoking && html`<${ConfirmDialog} title=${t('Revoke kiosk')} confirmLabel=${t('Revoke')}
      text=${t('Revoke kiosk “{name}”? It is refused from its next call, and its token cannot be used again.', { name: revoking.name })}
      onConfirm=${revoke} onClose=${() => setRevoking(null)} />`}
  </div>`;
}
