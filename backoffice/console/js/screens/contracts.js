// Supply contracts (供用电合同): the list by state, the renewals due, the signed PDF, approval.
import { html, useState } from '../lib.js';
import { api, download } from '../api.js';
import { t } from '../i18n.js';
import { can } from '../session.js';
import { DataTable, usePagedList } from '../components/table.js';
import { ExportButton } from '../components/export_button.js';
import { when, word } from '../format.js';

const STATES = { draft: 'Draft', approved: 'Approved', in_force: 'In force', superseded: 'Superseded',
  terminated: 'Terminated', cancelled: 'Cancelled' };
const KINDS = { new: 'New contract', supplement: 'Supplement', resign: 'Re-signed' };

function place(c) {
  return c.archive_cabinet ? t('Cabinet {cabinet}, box {box}, no. {number}',
    { cabinet: c.archive_cabinet, box: c.archive_box, number: c.archive_number }) : '—';
}

export function ContractsScreen({ query }) {
  const [filters, setFilters] = useState({ state: query.state || '' });
  const [renewals, setRenewals] = useState(false);
  const [error, setError] = useState(null);
  const list = usePagedList(renewals ? '/contracts/renewals' : '/contracts', renewals ? {} : filters);
  const act = async (work) => {
    setError(null);
    try { await work(); list.reload(); } catch (failure) { setError(failure.message); }
  };
  const columns = [
    { key: 'number', title: t('Contract'), sortable: true },
    { key: 'kind', title: t('Kind'), render: (c) => word(KINDS, c.kind) },
    { key: 'state', title: t('State'), render: (c) => html`<span class=${`tag tag-contract-${c.state}`}>${word(STATES, c.state)}</span>` },
    { key: 'account_number', title: t('Account'), render: (c) => html`<a href=${`#/tenants/${c.account_id}`}>${c.account_number}</a>` },
    { key: 'tenant_name', title: t('Tenant') },
    { key: 'starts_on', title: t('Term'), render: (c) => `${c.starts_on} – ${c.ends_on}` },
    renewals ? { key: 'days_left', title: t('Days to the end'), align: 'right' }
      : { key: 'signed_on', title: t('Signed on'), render: (c) => c.signed_on || '—' },
    { key: 'in_force_at', title: t('In force since'), render: (c) => when(c.in_force_at) },
    { key: 'archive', title: t('Paper copy'), render: place },
    { key: 'actions', title: t('Actions'), render: (c) => html`
      ${c.pdf_sha256 && html`<button class="btn btn-small btn-link" title=${`sha256 ${c.pdf_sha256}`}
        onClick=${() => act(() => download(`/contracts/${c.id}/pdf`))}>PDF</button>`}
      ${c.state === 'draft' && can('contracts.approve') && html`<button class="btn btn-small btn-link" data-role="write"
        onClick=${() => act(() => api('POST', `/contracts/${c.id}/approve`))}>${t('Approve')}</button>`}` },
  ];
  const set = (name) => (event) => setFilters({ ...filters, [name]: event.target.value });
  return html`<div class="list-screen">
    <form class="search-form" onSubmit=${(e) => e.preventDefault()}>
      <label>${t('State')} <select value=${filters.state} disabled=${renewals} onChange=${set('state')}>
        <option value="">${t('All')}</option>
        ${Object.keys(STATES).map((s) => html`<option value=${s}>${word(STATES, s)}</option>`)}</select></label>
      <label><input type="checkbox" checked=${renewals} onChange=${(e) => setRenewals(e.target.checked)} /> ${t('Renewals due')}</label>
    </form>
    <div class="toolbar"><${ExportButton} path="/contracts/export" query=${filters} />
      ${error && html`<span class="error-text">${error}</span>`}</div>
    <${DataTable} columns=${columns} list=${list} />
  </div>`;
}
