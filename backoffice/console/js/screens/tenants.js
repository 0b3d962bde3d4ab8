// Tenants: search any key or page through every account, and open a new one (开户).
import { html, useEffect, useState } from '../lib.js';
import { get } from '../api.js';
import { t } from '../i18n.js';
import { can } from '../session.js';
import { navigate } from '../router.js';
import { DataTable, usePagedList } from '../components/table.js';
import { ACCOUNT_STATUSES, word, yuan } from '../format.js';
import { AccountPage } from './account_page.js';
import { OpenAccountDialog } from './open_account.js';

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
  const [opening, setOpening] = useState(false);
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
    ${can('accounts.write') && html`<div class="toolbar">
      <button class="btn btn-primary" data-role="write" data-action="open-account-dialog" onClick=${() => setOpening(true)}>${t('Open an account')}</button></div>`}
    <${DataTable} columns=${columns} list=${shown} />
    ${opening && html`<${OpenAccountDialog} onClose=${() => setOpening(false)}
      onOpened=${(account) => { setOpening(false); navigate(`/tenants/${account.id}`); }} />`}
  </div>`;
}

export function TenantsScreen({ path }) {
  const id = Number(path.split('/')[2]);
  return id ? html`<${AccountPage} id=${id} />` : html`<${AccountList} />`;
}
