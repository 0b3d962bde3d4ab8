// The counter: the operator's shift, find the account by any key, recharge (售电), or refund
// (退电) with a reason; a refund above the site's threshold waits for a second person.
import { html, useEffect, useRef, useState } from '../lib.js';
import { api, get, idempotencyKey } from '../api.js';
import { t } from '../i18n.js';
import { AccountPicker } from '../components/account_picker.js';
import { DialogForm } from '../components/dialog.js';
import { CHANNELS, when, word, yuan } from '../format.js';
import { OpenShift, ShiftDialog, useOpenShift } from './shift.js';

export const COUNTER_CHANNELS = ['cash', 'bank_card', 'transfer'];

function channelOptions() {
  return COUNTER_CHANNELS.map((c) => [c, word(CHANNELS, c)]);
}

// One Idempotency-Key per refund the operator means: kept across retries of the same dialog.
function RefundDialog({ account, amount, onDone, onClose }) {
  const key = useRef(idempotencyKey());
  const submit = async (values) => {
    const { body } = await api('POST', '/sales/refunds', {
      json: { account_id: account.id, amount: values.amount.trim(), channel: values.channel, reason: values.reason.trim() },
      headers: { 'Idempotency-Key': key.current } });
    onDone(body);
  };
  return html`<${DialogForm} title=${t('Refund to {tenant}', { tenant: account.tenant_name })} submitLabel=${t('Refund')}
    initial=${{ amount, channel: 'cash', reason: '' }} onSubmit=${submit} onClose=${onClose}
    fields=${[
      { name: 'amount', label: t('Amount'), inputmode: 'decimal', placeholder: account.money.wallet },
      { name: 'channel', label: t('Paid back by'), options: channelOptions() },
      { name: 'reason', label: t('Reason'), placeholder: t('e.g. moving out') },
    ]} />`;
}

export function Counter({ accountId, onSold }) {
  const [shift, reloadShift] = useOpenShift();
  const [account, setAccount] = useState(null);
  const [amount, setAmount] = useState('');
  const [channel, setChannel] = useState('cash');
  const [problem, setProblem] = useState({ message: null, fields: {} });
  const [busy, setBusy] = useState(false);
  const [refunding, setRefunding] = useState(false);
  const [closing, setClosing] = useState(false);
  const [held, setHeld] = useState(null);
  const key = useRef(idempotencyKey());
  const choose = (id) => { setHeld(null); return get(`/accounts/${id}`).then(setAccount); };
  useEffect(() => { if (accountId) choose(accountId); }, [accountId]);
  const recharge = async () => {
    setBusy(true);
    setProblem({ message: null, fields: {} });
    try {
      const { body } = await api('POST', '/sales/recharges', {
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
  const refunded = async (sale) => {
    setRefunding(false);
    setAmount('');
    await get(`/accounts/${account.id}`).then(setAccount);
    setHeld(sale.status === 'pending' ? sale : null);
    onSold(sale);
  };
  if (shift === undefined) return html`<div class="loading">${t('Loading…')}</div>`;
  return html`<section class="panel counter">
    <h3 class="panel-title">${t('Counter')} ${shift && html`<span class="muted">${t('Shift {id} since {time}', { id: shift.id, time: when(shift.opened_at) })}</span>
      <button class="btn btn-small" data-role="write" data-action="close-shift-dialog" onClick=${() => setClosing(true)}>${t('Close shift')}</button>`}</h3>
    ${!shift ? html`<${OpenShift} onOpened=${reloadShift} />` : html`
      <${AccountPicker} onChoose=${(hit) => choose(hit.id)} autofocus=${true} />
      ${account && html`<div class="counter-account" data-account=${account.id}>
        <div><b>${account.number}</b> ${account.tenant_name} <span class="muted">${account.phone}</span></div>
        <div>${t('Balance')} <b data-role="balance">${yuan(account.balance)}</b></div>
      </div>
      ${held && html`<div class="notice" data-role="held">${t('Refund of {amount} is waiting for approval by a second person.', { amount: yuan(held.amount) })}</div>`}
      <form class="counter-form" onSubmit=${(e) => { e.preventDefault(); recharge(); }}>
        <div class=${`form-row ${problem.fields.amount ? 'has-error' : ''}`}><label for="amount">${t('Amount')}</label>
          <div class="form-control"><input id="amount" name="amount" inputmode="decimal" value=${amount}
            placeholder="100.00" onInput=${(e) => setAmount(e.target.value)} />
            ${(problem.fields.amount || []).map((m) => html`<div class="field-error">${m}</div>`)}</div></div>
        <div class="form-row"><label for="channel">${t('Channel')}</label>
          <div class="form-control"><select id="channel" value=${channel} onChange=${(e) => setChannel(e.target.value)}>
            ${channelOptions().map(([c, label]) => html`<option value=${c}>${label}</option>`)}</select></div></div>
        ${problem.message && html`<div class="form-error" role="alert">${problem.message}</div>`}
        <div class="toolbar">
          <button class="btn btn-primary" type="submit" data-role="write" data-action="recharge" disabled=${busy}>${t('Recharge')}</button>
          <button class="btn" type="button" data-role="write" data-action="refund" disabled=${busy} onClick=${() => setRefunding(true)}>${t('Refund')}</button>
        </div>
      </form>`}`}
    ${refunding && html`<${RefundDialog} account=${account} amount=${amount} onDone=${refunded} onClose=${() => setRefunding(false)} />`}
    ${closing && html`<${ShiftDialog} shift=${shift} onClose=${() => { setClosing(false); reloadShift(); }} onClosed=${() => {}} />`}
  </section>`;
}
