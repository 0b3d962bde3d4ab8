// 换表: replace a meter of an account in four steps (the new meter, the old one's final reading,
// the balance, confirm). The two registers join into one usage history; the money stays put.
import { html, useRef, useState } from '../lib.js';
import { api, idempotencyKey } from '../api.js';
import { t } from '../i18n.js';
import { Dialog } from '../components/dialog.js';
import { FreeMeters } from '../components/free_meters.js';
import { kwh, yuan } from '../format.js';

const STEPS = ['New meter', 'Final reading', 'Balance', 'Confirm'];

// Readings are kWh with at most two decimals, never negative (as the API checks them).
function reading(text) {
  return /^\d+(\.\d{1,2})?$/.test(text.trim());
}

export function SwapWizard({ account, old, onSwapped, onClose }) {
  const [step, setStep] = useState(0);
  const [chosen, setChosen] = useState(new Map());
  const [finalReading, setFinalReading] = useState(old.total_energy ?? '');
  const [startReading, setStartReading] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const key = useRef(idempotencyKey());
  const fresh = [...chosen.values()][0];
  const pickNew = (next) => {
    setChosen(next);
    const row = [...next.values()][0];
    setStartReading(row && row.total_energy !== null ? row.total_energy : '0.00');
  };
  const ready = [Boolean(fresh), reading(String(finalReading)) && reading(String(startReading)), true, true][step];
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      const { body } = await api('POST', `/accounts/${account.id}/swaps`, {
        json: { old_meter_id: old.meter_id, new_meter_id: fresh.meter_id, old_final_reading: String(finalReading).trim(),
          new_start_reading: String(startReading).trim(), reason: reason.trim() },
        headers: { 'Idempotency-Key': key.current } });
      onSwapped(body);
    } catch (failure) {
      setError(Object.values(failure.fields).flat().join(' ') || failure.message);
    } finally {
      setBusy(false);
    }
  };
  return html`<${Dialog} title=${t('Swap meter {serial}', { serial: old.serial_number })} onClose=${onClose} wide>
    <ol class="steps">${STEPS.map((name, i) => html`<li key=${name} class=${i < step ? 'done' : i === step ? 'now' : ''}>${t(name)}</li>`)}</ol>
    <div class="wizard-body" data-step=${step}>
      ${step === 0 && html`<p>${t('Choose the meter that replaces {serial}.', { serial: old.serial_number })}</p>
        <${FreeMeters} siteId=${account.site_id} multiple=${false} chosen=${chosen} onChange=${pickNew} />`}
      ${step === 1 && html`<div class="form">
        <div class="form-row"><label for="old-final">${t('Old meter’s final reading')}</label>
          <div class="form-control"><input id="old-final" name="old_final_reading" inputmode="decimal" value=${finalReading}
            onInput=${(e) => setFinalReading(e.target.value)} />
            <div class="muted small">${t('Last read: {reading}', { reading: kwh(old.total_energy) })}</div></div></div>
        <div class="form-row"><label for="new-start">${t('New meter’s starting reading')}</label>
          <div class="form-control"><input id="new-start" name="new_start_reading" inputmode="decimal" value=${startReading}
            onInput=${(e) => setStartReading(e.target.value)} /></div></div>
        <div class="form-row"><label for="swap-reason">${t('Reason')}</label>
          <div class="form-control"><input id="swap-reason" name="reason" value=${reason} placeholder=${t('e.g. display broken')}
            onInput=${(e) => setReason(e.target.value)} /></div></div></div>`}
      ${step === 2 && html`<p data-role="balance-transfer">${t('The balance of {balance} stays in the account’s wallet: the new meter draws on it from its first reading, and the usage history continues across both meters.',
        { balance: yuan(account.balance) })}</p>`}
      ${step === 3 && html`<dl class="summary" data-role="swap-summary">
        <dt>${t('Account')}</dt><dd>${account.number} ${account.tenant_name}</dd>
        <dt>${t('Old meter')}</dt><dd>${old.serial_number} · ${t('final')} ${kwh(finalReading)}</dd>
        <dt>${t('New meter')}</dt><dd>${fresh.serial_number} · ${t('from')} ${kwh(startReading)}</dd>
        <dt>${t('Balance')}</dt><dd>${yuan(account.balance)}</dd>
        <dt>${t('Reason')}</dt><dd>${reason || '—'}</dd></dl>`}
      ${error && html`<div class="form-error" role="alert">${error}</div>`}
    </div>
    <footer class="dialog-foot">
      <button class="btn" onClick=${onClose}>${t('Cancel')}</button>
      ${step > 0 && html`<button class="btn" data-action="back" onClick=${() => setStep(step - 1)}>${t('Back')}</button>`}
      ${step < STEPS.length - 1
        ? html`<button class="btn btn-primary" data-action="next" disabled=${!ready} onClick=${() => setStep(step + 1)}>${t('Next')}</button>`
        : html`<button class="btn btn-primary" data-role="confirm" disabled=${busy} onClick=${confirm}>${t('Swap the meter')}</button>`}
    </footer>
  <//>`;
}
