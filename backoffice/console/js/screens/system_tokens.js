// Bearer tokens for kiosk devices and integrations: issue (the secret shown once, with a copy
// button) and revoke. Listing them already needs operators.write, so every button is a write.
import { html, useEffect, useState } from '../lib.js';
import { api, get } from '../api.js';
import { t } from '../i18n.js';
import { DataTable, usePagedList } from '../components/table.js';
import { Dialog, DialogForm } from '../components/dialog.js';
import { roleWord } from '../components/layout.js';
import { when } from '../format.js';

// A secret issued just now: shown this once (the API keeps only its hash), with a copy button.
// notice: what to do with it, in words for who receives it (a device or an integration).
export function IssuedDialog({ title, issued, notice, onClose }) {
  const [copied, setCopied] = useState(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(issued.token);
      setCopied(t('Copied.'));
    } catch (error) {  // no clipboard (an old browser, a refused permission): select it instead
      document.getElementById('issued-token').select();
      setCopied(t('Selected: press Ctrl+C to copy.'));
    }
  };
  return html`<${Dialog} title=${title || t('Token {name} issued', { name: issued.name })} onClose=${onClose}>
    <div class="issued">
      <p class="notice" data-role="shown-once">${notice || t('This is the only time the token is shown. Copy it into the device or integration now.')}</p>
      <div class="issued-row">
        <input id="issued-token" name="issued-token" readonly value=${issued.token} aria-label=${t('Token')} />
        <button class="btn btn-primary" data-role="copy" onClick=${copy}>${t('Copy')}</button>
      </div>
      ${copied && html`<p class="muted small" role="status">${copied}</p>`}
    </div>
    <footer class="dialog-foot"><button class="btn" onClick=${onClose}>${t('Close')}</button></footer>
  <//>`;
}

function RevokeDialog({ token, onDone, onClose }) {
  const [error, setError] = useState(null);
  const revoke = () => api('DELETE', `/tokens/${token.id}`).then(onDone).catch((failure) => setError(failure.message));
  return html`<${Dialog} title=${t('Revoke token')} onClose=${onClose}>
    <p class="confirm-text">${t('Revoke “{name}”? Devices using it are refused from now on.', { name: token.name })}</p>
    ${error && html`<div class="form-error" role="alert">${error}</div>`}
    <footer class="dialog-foot"><button class="btn" onClick=${onClose}>${t('Cancel')}</button>
      <button class="btn btn-danger" data-role="confirm" onClick=${revoke}>${t('Revoke')}</button></footer>
  <//>`;
}

export function TokensTab() {
  const list = usePagedList('/tokens', {}, 20);
  const [operators, setOperators] = useState([]);
  const [issuing, setIssuing] = useState(false);
  const [issued, setIssued] = useState(null);
  const [revoking, setRevoking] = useState(null);
  useEffect(() => { get('/operators', { page_size: 100, active: true }).then(setOperators); }, []);
  const names = Object.fromEntries(operators.map((o) => [o.id, o.username]));
  const issue = async (values) => {
    const { body } = await api('POST', '/tokens', { json: {
      name: values.name, operator_id: Number(values.operator_id) || null, days: Number(values.days) || values.days } });
    setIssuing(false);
    setIssued(body);
    list.reload();
  };
  const state = (token) => (token.revoked_at ? 'revoked' : new Date(token.expires_at) < new Date() ? 'expired' : 'valid');
  const STATES = { valid: 'Valid', revoked: 'Revoked', expired: 'Expired' };
  const columns = [
    { key: 'name', title: t('Name'), sortable: true },
    { key: 'operator_id', title: t('Acts as'), render: (k) => names[k.operator_id] || k.operator_id },
    { key: 'prefix', title: t('Starts with'), render: (k) => html`<code>${k.prefix}…</code>` },
    { key: 'created_at', title: t('Issued'), sortable: true, render: (k) => when(k.created_at) },
    { key: 'expires_at', title: t('Expires'), render: (k) => when(k.expires_at) },
    { key: 'last_used_at', title: t('Last used'), render: (k) => when(k.last_used_at) },
    { key: 'state', title: t('Status'), render: (k) => html`<span class=${`state state-${state(k)}`} data-state=${state(k)}>${t(STATES[state(k)])}</span>` },
    { key: 'actions', title: t('Actions'), render: (k) => !k.revoked_at && html`<button class="btn btn-small btn-link"
      data-role="write" onClick=${() => setRevoking(k)}>${t('Revoke')}</button>` },
  ];
  return html`<div class="list-screen">
    <div class="toolbar"><button class="btn btn-primary" data-role="write" onClick=${() => setIssuing(true)}>${t('Issue a token')}</button>
      <span class="muted">${t('A token acts as the operator it is issued for: issue a kiosk token to an operator with the kiosk device role.')}</span></div>
    <${DataTable} columns=${columns} list=${list} />
    ${issuing && html`<${DialogForm} title=${t('Issue a token')} submitLabel=${t('Issue')} onSubmit=${issue}
      onClose=${() => setIssuing(false)} initial=${{ days: '365', operator_id: operators.length ? String(operators[0].id) : '' }}
      fields=${[
        { name: 'name', label: t('Name'), placeholder: t('e.g. Lobby kiosk, tower A') },
        { name: 'operator_id', label: t('Acts as'), options: operators.map((o) => [String(o.id), `${o.username} · ${t(roleWord(o.role))}`]) },
        { name: 'days', label: t('Valid for (days)'), inputmode: 'numeric' }]} />`}
    ${issued && html`<${IssuedDialog} issued=${issued} onClose=${() => setIssued(null)} />`}
    ${revoking && html`<${RevokeDialog} token=${revoking} onClose=${() => setRevoking(null)}
      onDone=${() => { setRevoking(null); list.reload(); }} />`}
  </div>`;
}
