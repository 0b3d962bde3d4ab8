// Sales: the counter, and the sales list with receipts, reversal (冲正) of one's own sale, and
// the approval queue where a second person approves or rejects refunds held above the threshold.
import { html, useRef, useState } from '../lib.js';
import { api, idempotencyKey } from '../api.js';
import { t } from '../i18n.js';
import { can, session } from '../session.js';
import { Dialog } from '../components/dialog.js';
import { DataTable, usePagedList } from '../components/table.js';
import { CHANNELS, SALE_KINDS, SALE_STATUSES, reasonText, when, word, yuan } from '../format.js';
import { Counter } from './counter.js';
import { ReceiptDialog } from './receipt.js';

// 冲正 takes the money of a sale back out of the wallet: a reason, then a confirmation.
function ReversalDialog({ sale, onDone, onClose }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const key = useRef(idempotencyKey());
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      const { body } = await api('POST', `/sales/${sale.id}/reversal`, {
        json: { reason: reason.trim() }, headers: { 'Idempotency-Key': key.current } });
      onDone(body);
    } catch (failure) {
      setError((failure.fields.reason || [failure.message]).join(' '));
    } finally {
      setBusy(false);
    }
  };
  return html`<${Dialog} title=${t('Reverse a sale')} onClose=${onClose}>
    <div class="form">
      <p class="confirm-text" data-role="confirm-text">${t('Reverse receipt No. {n}: take {amount} back out of the account and pay it back by {channel}?',
        { n: sale.receipt_number, amount: yuan(sale.amount), channel: word(CHANNELS, sale.channel) })}</p>
      <div class="form-row"><label for="reversal-reason">${t('Reason')}</label>
        <div class="form-control"><input id="reversal-reason" name="reason" value=${reason}
          placeholder=${t('e.g. wrong amount typed')} onInput=${(e) => setReason(e.target.value)} /></div></div>
      ${error && html`<div class="form-error" role="alert">${error}</div>`}
      <footer class="dialog-foot">
        <button class="btn" onClick=${onClose}>${t('Cancel')}</button>
        <button class="btn btn-primary" data-role="confirm" disabled=${busy || !reason.trim()} onClick=${confirm}>${t('Reverse')}</button>
      </footer>
    </div>
  <//>`;
}

export function SalesScreen({ query }) {
  const [status, setStatus] = useState(query.status || '');
  const [kind, setKind] = useState('');
  const [receipt, setReceipt] = useState(null);
  const [reversing, setReversing] = useState(null);
  const list = usePagedList('/sales', { status, kind }, 20);
  const [failure, setFailure] = useState(null);
  const decide = async (sale, verdict) => {
    setFailure(null);
    try {
      await api('POST', `/sales/${sale.id}/${verdict}`, { json: {}, headers: { 'Idempotency-Key': idempotencyKey() } });
    } catch (error) {
      setFailure(error.message);  // e.g. the one who made the refund cannot approve it
    }
    list.reload();
  };
  const mayApprove = can('sales.approve');
  const maySell = can('sales.write');
  const me = session().operator.id;
  const columns = [
    { key: 'created_at', title: t('Time'), sortable: true, render: (s) => when(s.created_at) },
    { key: 'receipt_number', title: t('Receipt No.'), sortable: true },
    { key: 'account_id', title: t('Account'), render: (s) => html`<a href=${`#/tenants/${s.account_id}`}>${s.account_id}</a>` },
    { key: 'kind', title: t('Kind'), render: (s) => word(SALE_KINDS, s.kind) },
    { key: 'channel', title: t('Channel'), render: (s) => word(CHANNELS, s.channel) },
    { key: 'amount', title: t('Amount'), align: 'right', sortable: true, sortValue: (s) => Number(s.amount), render: (s) => yuan(s.amount) },
    { key: 'reason', title: t('Reason'), render: (s) => reasonText(s.reason) },
    { key: 'status', title: t('Status'), render: (s) => html`<span class=${`sale sale-${s.status}`}>${word(SALE_STATUSES, s.status)}</span>` },
    { key: 'actions', title: t('Actions'), render: (s) => html`<span class="row-actions" data-sale=${s.id}>
      ${s.receipt_number && html`<button class="btn btn-small btn-link" data-action="receipt" onClick=${() => setReceipt(s)}>${t('Receipt')}</button>`}
      ${maySell && s.kind === 'recharge' && s.status === 'completed' && s.operator_id === me && html`
        <button class="btn btn-small btn-link" data-role="write" data-action="reverse" onClick=${() => setReversing(s)}>${t('Reverse')}</button>`}
      ${mayApprove && s.status === 'pending' && html`
        <button class="btn btn-small btn-link" data-role="write" data-action="approve" onClick=${() => decide(s, 'approve')}>${t('Approve')}</button>
        <button class="btn btn-small btn-link" data-role="write" data-action="reject" onClick=${() => decide(s, 'reject')}>${t('Reject')}</button>`}</span>` },
  ];
  return html`<div>
    ${maySell && html`<${Counter} accountId=${query.account ? Number(query.account) : null}
      onSold=${(sale) => { list.reload(); if (sale.receipt_number) setReceipt(sale); }} />`}
    <div class="list-screen">
      <form class="search-form" onSubmit=${(e) => e.preventDefault()}>
        <label>${t('Status')} <select name="status" value=${status} onChange=${(e) => setStatus(e.target.value)}>
          <option value="">${t('All')}</option>
          ${Object.keys(SALE_STATUSES).map((s) => html`<option value=${s}>${word(SALE_STATUSES, s)}</option>`)}</select></label>
        <label>${t('Kind')} <select name="kind" value=${kind} onChange=${(e) => setKind(e.target.value)}>
          <option value="">${t('All')}</option>
          ${Object.keys(SALE_KINDS).map((k) => html`<option value=${k}>${word(SALE_KINDS, k)}</option>`)}</select></label>
      </form>
      ${failure && html`<div class="form-error" role="alert">${failure}</div>`}
      <${DataTable} columns=${columns} list=${list} />
    </div>
    ${receipt && html`<${ReceiptDialog} sale=${receipt} onClose=${() => setReceipt(null)} />`}
    ${reversing && html`<${ReversalDialog} sale=${reversing} onClose=${() => setReversing(null)}
      onDone=${(reversal) => { setReversing(null); list.reload(); setReceipt(reversal); }} />`}
  </div>`;
}
