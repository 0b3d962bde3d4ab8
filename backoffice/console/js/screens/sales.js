// Sales: the counter (open a shift, find the account, recharge or refund, the receipt), and
// the sales list with the approval queue for refunds held above the site's threshold.
import { html, useEffect, useRef, useState } from '../lib.js';
import { api, get, idempotencyKey } from '../api.js';
import { t } from '../i18n.js';
import { can, session } from '../session.js';
import { AccountPicker } from '../components/account_picker.js';
import { Dialog } from '../components/dialog.js';
import { DataTable, usePagedList } from '../components/table.js';
import { CHANNELS, SALE_KINDS, SALE_STATUSES, when, word, yuan } from '../format.js';

const COUNTER_CHANNELS = ['cash', 'bank_card', 'transfer'];

export function ReceiptDialog({ sale, onClose }) {
  const frame = useRef(null);
  return html`<${Dialog} title=${t('Receipt No. {n}', { n: sale.receipt_number })} onClose=${onClose} wide>
    <iframe class="receipt-frame" ref=${frame} title=${t('Receipt')} src=${`/api/v1/sales/${sale.id}/receipt`}></iframe>
    <footer class="dialog-foot">
      <button class="btn" onClick=${onClose}>${t('Close')}</button>
      <button class="btn btn-primary" onClick=${() => frame.current.contentWindow.print()}>${t('Print')}</button>
    </footer>
  <//>`;
}

function useOpenShift() {
  const [shift, setShift] = useState(undefined);
  const load = () => get('/shifts', { open: true, operator_id: session().operator.id })
    .then((rows) => setShift(rows[0] || null));
  useEffect(() => { load(); }, []);
  return [shift, load];
}

function OpenShift({ onOpened }) {
  const [sites, setSites] = useState([]);
  const [siteId, setSiteId] = useState('');
  const [error, setError] = useState(null);
  useEffect(() => { get('/places/tree').then((tree) => { setSites(tree); if (tree.length) setSiteId(String(tree[0].id)); }); }, []);
  const open = () => api('POST', '/shifts', { json: { site_id: Number(siteId) } }).then(onOpened)
    .catch((failure) => setError(failure.message));
  return html`<div class="toolbar">
    <span>${t('Open a shift at this site before selling.')}</span>
    <select aria-label=${t('Site')} value=${siteId} onChange=${(e) => setSiteId(e.target.value)}>
      ${sites.map((site) => html`<option value=${site.id}>${site.name}</option>`)}</select>
    <button class="btn btn-primary" data-role="write" onClick=${open}>${t('Open shift')}</button>
    ${error && html`<span class="error-text">${error}</span>`}
  </div>`;
}

function Counter({ accountId, onSold }) {
  const [shift, reloadShift] = useOpenShift();
  const [account, setAccount] = useState(null);
  const [amount, setAmount] = useState('');
  const [channel, setChannel] = useState('cash');
  const [problem, setProblem] = useState({ message: null, fields: {} });
  const [busy, setBusy] = useState(false);
  const key = useRef(idempotencyKey());
  const choose = (id) => get(`/accounts/${id}`).then(setAccount);
  useEffect(() => { if (accountId) choose(accountId); }, [accountId]);
  const sell = async (kind) => {
    setBusy(true);
    setProblem({ message: null, fields: {} });
    try {
      const { body } = await api('POST', `/sales/${kind}`, {
        json: { account_id: account.id, amount: amount.trim(), channel },
        headers: { 'Idempotency-Key': key.current } });
      key.current = idempotencyKey();
      setAmount('');
      await choose(account.id);
      onSold(body);
    } catch (error) {
      setProblem({ message: error.fields.amount || error.fields.channel ? null : error.message, fields: error.fields });
    } finally {
      setBusy(false);
    }
  };
  if (shift === undefined) return html`<div class="loading">${t('Loading…')}</div>`;
  return html`<section class="panel counter">
    <h3 class="panel-title">${t('Counter')} ${shift && html`<span class="muted">${t('Shift {id} since {time}', { id: shift.id, time: when(shift.opened_at) })}</span>`}</h3>
    ${!shift ? html`<${OpenShift} onOpened=${reloadShift} />` : html`
      <${AccountPicker} onChoose=${(hit) => choose(hit.id)} autofocus=${true} />
      ${account && html`<div class="counter-account" data-account=${account.id}>
        <div><b>${account.number}</b> ${account.tenant_name} <span class="muted">${account.phone}</span></div>
        <div>${t('Balance')} <b data-role="balance">${yuan(account.balance)}</b></div>
      </div>
      <form class="counter-form" onSubmit=${(e) => { e.preventDefault(); sell('recharges'); }}>
        <div class=${`form-row ${problem.fields.amount ? 'has-error' : ''}`}><label for="amount">${t('Amount')}</label>
          <div class="form-control"><input id="amount" name="amount" inputmode="decimal" value=${amount}
            placeholder="100.00" onInput=${(e) => setAmount(e.target.value)} />
            ${(problem.fields.amount || []).map((m) => html`<div class="field-error">${m}</div>`)}</div></div>
        <div class="form-row"><label for="channel">${t('Channel')}</label>
          <div class="form-control"><select id="channel" value=${channel} onChange=${(e) => setChannel(e.target.value)}>
            ${COUNTER_CHANNELS.map((c) => html`<option value=${c}>${word(CHANNELS, c)}</option>`)}</select></div></div>
        ${problem.message && html`<div class="form-error" role="alert">${problem.message}</div>`}
        <div class="toolbar">
          <button class="btn btn-primary" type="submit" data-role="write" disabled=${busy}>${t('Recharge')}</button>
          <button class="btn" type="button" data-role="write" disabled=${busy} onClick=${() => sell('refunds')}>${t('Refund')}</button>
        </div>
      </form>`}`}
  </section>`;
}

export function SalesScreen({ query }) {
  const [status, setStatus] = useState(query.status || '');
  const [receipt, setReceipt] = useState(null);
  const list = usePagedList('/sales', { status }, 20);
  const [failure, setFailure] = useState(null);
  const decide = async (sale, verdict) => {
    setFailure(null);
    try {
      await api('POST', `/sales/${sale.id}/${verdict}`, { json: {} });
    } catch (error) {
      setFailure(error.message);  // e.g. the one who made the refund cannot approve it
    }
    list.reload();
  };
  const mayApprove = can('sales.approve');
  const columns = [
    { key: 'created_at', title: t('Time'), sortable: true, render: (s) => when(s.created_at) },
    { key: 'receipt_number', title: t('Receipt No.'), sortable: true },
    { key: 'account_id', title: t('Account'), render: (s) => html`<a href=${`#/tenants/${s.account_id}`}>${s.account_id}</a>` },
    { key: 'kind', title: t('Kind'), render: (s) => word(SALE_KINDS, s.kind) },
    { key: 'channel', title: t('Channel'), render: (s) => word(CHANNELS, s.channel) },
    { key: 'amount', title: t('Amount'), align: 'right', sortable: true, sortValue: (s) => Number(s.amount), render: (s) => yuan(s.amount) },
    { key: 'status', title: t('Status'), render: (s) => html`<span class=${`sale sale-${s.status}`}>${word(SALE_STATUSES, s.status)}</span>` },
    { key: 'actions', title: t('Actions'), render: (s) => html`
      ${s.receipt_number && html`<button class="btn btn-small btn-link" onClick=${() => setReceipt(s)}>${t('Receipt')}</button>`}
      ${mayApprove && s.status === 'pending' && html`
        <button class="btn btn-small btn-link" data-role="write" onClick=${() => decide(s, 'approve')}>${t('Approve')}</button>
        <button class="btn btn-small btn-link" data-role="write" onClick=${() => decide(s, 'reject')}>${t('Reject')}</button>`}` },
  ];
  return html`<div>
    ${can('sales.write') && html`<${Counter} accountId=${query.account ? Number(query.account) : null}
      onSold=${(sale) => { list.reload(); if (sale.receipt_number) setReceipt(sale); }} />`}
    <div class="list-screen">
      <form class="search-form" onSubmit=${(e) => e.preventDefault()}>
        <label>${t('Status')} <select name="status" value=${status} onChange=${(e) => setStatus(e.target.value)}>
          <option value="">${t('All')}</option>
          ${Object.keys(SALE_STATUSES).map((s) => html`<option value=${s}>${word(SALE_STATUSES, s)}</option>`)}</select></label>
      </form>
      ${failure && html`<div class="form-error" role="alert">${failure}</div>`}
      <${DataTable} columns=${columns} list=${list} />
    </div>
    ${receipt && html`<${ReceiptDialog} sale=${receipt} onClose=${() => setReceipt(null)} />`}
  </div>`;
}
