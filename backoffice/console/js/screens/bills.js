// Postpaid bills (抄核收): run a site's bills, the review queue (flagged bills accepted with a
// note), release, and each bill's printable document and PDF.
import { html, useRef, useState } from '../lib.js';
import { api, idempotencyKey } from '../api.js';
import { language, t } from '../i18n.js';
import { can } from '../session.js';
import { Dialog } from '../components/dialog.js';
import { ExportButton } from '../components/export_button.js';
import { SiteSelect, usePlaces } from '../components/site_select.js';
import { DataTable, usePagedList } from '../components/table.js';
import { kwh, word, yuan } from '../format.js';

export const BILL_STATES = {
  draft: 'Draft', calculated: 'Calculated', reviewed: 'Reviewed', released: 'Released',
  partially_settled: 'Partially settled', settled: 'Settled', cancelled: 'Cancelled', written_off: 'Written off',
};
export const BILL_FLAGS = {
  zero_kwh: 'No energy used', change: 'Unusual change', estimated: 'Mostly estimated',
  swapped: 'Meter swapped', backwards: 'Reading went backwards',
};

// A dialog of one text field, sent with an Idempotency-Key (review note, run cut-off).
function AskDialog({ title, intro, label, placeholder, required, onSend, onClose }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const key = useRef(idempotencyKey());
  const send = async () => {
    setBusy(true);
    setError(null);
    try {
      await onSend(value.trim(), key.current);
      onClose();
    } catch (failure) {
      setError(Object.values(failure.fields || {}).flat().join(' ') || failure.message);
    } finally {
      setBusy(false);
    }
  };
  return html`<${Dialog} title=${title} onClose=${onClose}>
    <div class="form">
      ${intro && html`<p class="confirm-text">${intro}</p>`}
      <div class="form-row"><label for="ask-value">${label}</label>
        <div class="form-control"><input id="ask-value" value=${value} placeholder=${placeholder}
          onInput=${(e) => setValue(e.target.value)} /></div></div>
      ${error && html`<div class="form-error" role="alert">${error}</div>`}
      <footer class="dialog-foot">
        <button class="btn" onClick=${onClose}>${t('Cancel')}</button>
        <button class="btn btn-primary" data-role="confirm" disabled=${busy || (required && !value.trim())}
          onClick=${send}>${t('Confirm')}</button>
      </footer>
    </div>
  <//>`;
}

export function BillsScreen({ query }) {
  const sites = usePlaces();
  const [filters, setFilters] = useState({ site_id: query.site_id || '', state: query.state || '', flagged: '' });
  const list = usePagedList('/billing/bills', filters);
  const [asking, setAsking] = useState(null);
  const [failure, setFailure] = useState(null);
  const lang = language() === 'en' ? 'en' : 'zh';
  const act = async (bill, action, json) => {
    setFailure(null);
    try {
      await api('POST', `/billing/bills/${bill.id}/${action}`, { json, headers: { 'Idempotency-Key': idempotencyKey() } });
    } catch (error) {
      setFailure(error.message);
    }
    list.reload();
  };
  const review = (bill) => (bill.flags.length
    ? setAsking({ kind: 'review', bill })
    : act(bill, 'review', { note: '' }));
  const columns = [
    { key: 'number', title: t('Bill number'), sortable: true },
    { key: 'account_id', title: t('Account'), render: (b) => html`<a href=${`#/tenants/${b.account_id}`}>${b.account_id}</a>` },
    { key: 'state', title: t('State'), render: (b) => html`<span class=${`tag bill-${b.state}`}>${word(BILL_STATES, b.state)}</span>` },
    { key: 'energy_kwh', title: t('Energy'), align: 'right', render: (b) => kwh(b.energy_kwh) },
    { key: 'charges', title: t('Charges this period'), align: 'right', render: (b) => yuan(b.charges) },
    { key: 'amount_due', title: t('Amount due'), align: 'right', render: (b) => yuan(b.amount_due) },
    { key: 'due_date', title: t('Due date'), render: (b) => b.due_date || '—' },
    { key: 'flags', title: t('Flags'), render: (b) => b.flags.map((f) => html`<span class="tag tag-flag">${word(BILL_FLAGS, f)}</span> `) },
    { key: 'actions', title: t('Actions'), render: (b) => html`<span class="row-actions" data-bill=${b.id}>
      <a class="btn btn-small btn-link" target="_blank" rel="noopener"
        href=${`/api/v1/billing/bills/${b.id}/document?lang=${lang}`}>${t('Print')}</a>
      <a class="btn btn-small btn-link" target="_blank" rel="noopener"
        href=${`/api/v1/billing/bills/${b.id}/pdf?lang=${lang}`}>PDF</a>
      ${can('billing.run') && b.state === 'calculated' && html`
        <button class="btn btn-small btn-link" data-role="write" data-action="review" onClick=${() => review(b)}>${t('Review')}</button>`}
      ${can('billing.release') && b.state === 'reviewed' && html`
        <button class="btn btn-small btn-link" data-role="write" data-action="release" onClick=${() => act(b, 'release')}>${t('Release')}</button>`}
    </span>` },
  ];
  const set = (name) => (value) => setFilters({ ...filters, [name]: value });
  const pick = (name) => (event) => set(name)(event.target.value);
  const runBills = async (cutoff, key) => {
    const json = { site_id: Number(filters.site_id) };
    if (cutoff) json.cutoff = cutoff;
    await api('POST', '/billing/runs', { json, headers: { 'Idempotency-Key': key } });
    list.reload();
  };
  return html`<div class="list-screen">
    <form class="search-form" onSubmit=${(e) => e.preventDefault()}>
      <${SiteSelect} sites=${sites} value=${filters.site_id} onChange=${set('site_id')} />
      <label>${t('State')} <select name="state" value=${filters.state} onChange=${pick('state')}><option value="">${t('All')}</option>
        ${Object.keys(BILL_STATES).map((state) => html`<option value=${state}>${word(BILL_STATES, state)}</option>`)}</select></label>
      <label>${t('Flags')} <select name="flagged" value=${filters.flagged} onChange=${pick('flagged')}>
        <option value="">${t('All')}</option><option value="true">${t('Flagged')}</option><option value="false">${t('Not flagged')}</option></select></label>
    </form>
    <div class="toolbar">
      ${can('billing.run') && html`<button class="btn btn-primary" data-role="write" data-action="run"
        disabled=${!filters.site_id} title=${filters.site_id ? '' : t('Choose a site first')}
        onClick=${() => setAsking({ kind: 'run' })}>${t('Run bills')}</button>`}
      <${ExportButton} path="/billing/bills/export" query=${filters} />
    </div>
    ${failure && html`<div class="form-error" role="alert">${failure}</div>`}
    <${DataTable} columns=${columns} list=${list} />
    ${asking?.kind === 'review' && html`<${AskDialog} title=${t('Accept the flags')}
      intro=${t('Bill {number}: {flags}', { number: asking.bill.number, flags: asking.bill.flags.map((f) => word(BILL_FLAGS, f)).join(', ') })}
      label=${t('Note')} placeholder=${t('e.g. shop closed for the month')} required=${true}
      onSend=${(note) => act(asking.bill, 'review', { note })} onClose=${() => setAsking(null)} />`}
    ${asking?.kind === 'run' && html`<${AskDialog} title=${t('Run bills')}
      intro=${t('One bill per postpaid account of the site, for the period ending at the cut-off (empty: the latest).')}
      label=${t('Cut-off date')} placeholder="YYYY-MM-DD" required=${false}
      onSend=${runBills} onClose=${() => setAsking(null)} />`}
  </div>`;
}
