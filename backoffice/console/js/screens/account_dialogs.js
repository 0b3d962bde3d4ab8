// The account's meter and closing dialogs: add a free meter, take one off (it becomes free), and
// 销户 with the final charge and the refund of what is left (held above the site's threshold).
import { html, useRef, useState } from '../lib.js';
import { api, get, idempotencyKey } from '../api.js';
import { t } from '../i18n.js';
import { Dialog, DialogForm } from '../components/dialog.js';
import { FreeMeters } from '../components/free_meters.js';
import { CHANNELS, word, yuan } from '../format.js';
import { COUNTER_CHANNELS } from './counter.js';

export function AddMeterDialog({ account, onDone, onClose }) {
  const [chosen, setChosen] = useState(new Map());
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const add = async () => {
    setBusy(true);
    setError(null);
    try {
      for (const meterId of chosen.keys()) {  // one at a time: each is its own attach
        await api('POST', `/accounts/${account.id}/meters`, { json: { meter_id: meterId } });
      }
      onDone();
    } catch (failure) {
      setError((failure.fields.meter_id || [failure.message]).join(' '));
    } finally {
      setBusy(false);
    }
  };
  return html`<${Dialog} title=${t('Add meters to {number}', { number: account.number })} onClose=${onClose} wide>
    <div class="dialog-body"><${FreeMeters} siteId=${account.site_id} multiple=${true} chosen=${chosen} onChange=${setChosen} />
      ${error && html`<div class="form-error" role="alert">${error}</div>`}</div>
    <footer class="dialog-foot">
      <button class="btn" onClick=${onClose}>${t('Cancel')}</button>
      <button class="btn btn-primary" data-role="confirm" disabled=${busy || chosen.size === 0} onClick=${add}>
        ${t('Add {n} meters', { n: chosen.size })}</button>
    </footer>
  <//>`;
}

export function RemoveMeterDialog({ account, meter, onDone, onClose }) {
  const [error, setError] = useState(null);
  const remove = () => api('DELETE', `/accounts/${account.id}/meters/${meter.id}`).then(onDone)
    .catch((failure) => setError(failure.message));
  return html`<${Dialog} title=${t('Take a meter off')} onClose=${onClose}>
    <p class="confirm-text">${t('Take meter {serial} off account {number}? It becomes free to open on another account.',
      { serial: meter.serial_number, number: account.number })}</p>
    ${error && html`<div class="form-error" role="alert">${error}</div>`}
    <footer class="dialog-foot">
      <button class="btn" onClick=${onClose}>${t('Cancel')}</button>
      <button class="btn btn-primary" data-role="confirm" onClick=${remove}>${t('Take it off')}</button>
    </footer>
  <//>`;
}

export function CloseAccountDialog({ account, onDone, onClose }) {
  const key = useRef(idempotencyKey());
  const submit = async (values) => {
    const json = { refund_channel: values.refund_channel };
    if (values.final_charge.trim()) json.final_charge = values.final_charge.trim();
    await api('POST', `/accounts/${account.id}/close`, { json, headers: { 'Idempotency-Key': key.current } });
    // Above the site's threshold the closing refund is held: the page says so.
    const held = await get('/sales', { account_id: account.id, status: 'pending', kind: 'refund' });
    onDone(held[0] || null);
  };
  return html`<${DialogForm} title=${t('Close account {number}', { number: account.number })} submitLabel=${t('Close the account')}
    initial=${{ final_charge: '', refund_channel: 'cash' }} onSubmit=${submit} onClose=${onClose}
    intro=${t('The balance is {balance}. What is left after the final charge is refunded; above the site’s threshold the refund waits for approval by a second person.', { balance: yuan(account.balance) })}
    fields=${[
      { name: 'final_charge', label: t('Final charge'), inputmode: 'decimal', placeholder: '0.00' },
      { name: 'refund_channel', label: t('Refund by'), options: COUNTER_CHANNELS.map((c) => [c, word(CHANNELS, c)]) },
    ]} />`;
}
