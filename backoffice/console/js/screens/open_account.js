// 开户: a tenant on one or several free meters, with no opening balance, one paid now through a
// counter channel (a sale with a receipt), or an old meter's balance carried over.
import { html, useRef, useState } from '../lib.js';
import { api, idempotencyKey } from '../api.js';
import { t } from '../i18n.js';
import { Dialog } from '../components/dialog.js';
import { FreeMeters } from '../components/free_meters.js';
import { usePlaceTree } from '../components/tree.js';
import { CHANNELS, word } from '../format.js';
import { COUNTER_CHANNELS } from './counter.js';

const OPENINGS = { none: 'No opening balance', paid: 'Paid now', carried: 'Carried over from an old meter' };

function Row({ name, label, errors, children }) {
  return html`<div class=${`form-row ${errors ? 'has-error' : ''}`}>
    <label for=${`field-${name}`}>${label}</label>
    <div class="form-control">${children}
      ${(errors || []).map((message) => html`<div class="field-error">${message}</div>`)}</div>
  </div>`;
}

export function OpenAccountDialog({ onOpened, onClose }) {
  const tree = usePlaceTree();
  const [siteId, setSiteId] = useState('');
  const [meters, setMeters] = useState(new Map());
  const [values, setValues] = useState({ tenant_name: '', phone: '', opening: 'none', amount: '', channel: 'cash', carried_over_from: '' });
  const [problem, setProblem] = useState({ message: null, fields: {} });
  const [busy, setBusy] = useState(false);
  const key = useRef(idempotencyKey());
  const site = siteId || (tree.length ? String(tree[0].id) : '');
  const set = (name) => (e) => setValues({ ...values, [name]: e.target.value });
  const submit = async (event) => {
    event.preventDefault();
    const body = { site_id: Number(site), tenant_name: values.tenant_name.trim(), phone: values.phone.trim(), meter_ids: [...meters.keys()] };
    if (values.opening !== 'none') body.opening_balance = values.amount.trim();
    if (values.opening === 'paid') body.opening_channel = values.channel;
    if (values.opening === 'carried') body.carried_over_from = values.carried_over_from.trim();
    setBusy(true);
    try {
      onOpened((await api('POST', '/accounts', { json: body, headers: { 'Idempotency-Key': key.current } })).body);
    } catch (error) {
      const fields = error.fields || {};
      const shown = ['tenant_name', 'phone', 'meter_ids', 'opening_balance', 'opening_channel', 'carried_over_from'];
      setProblem({ message: shown.some((f) => fields[f]) ? null : error.message, fields });
    } finally {
      setBusy(false);
    }
  };
  const errors = problem.fields;
  return html`<${Dialog} title=${t('Open an account')} onClose=${onClose} wide>
    <form class="form" onSubmit=${submit} novalidate>
      <${Row} name="site" label=${t('Site')}>
        <select id="field-site" name="site" value=${site} onChange=${(e) => { setSiteId(e.target.value); setMeters(new Map()); }}>
          ${tree.map((s) => html`<option value=${s.id}>${s.name}</option>`)}</select><//>
      <${Row} name="meters" label=${t('Meters')} errors=${errors.meter_ids}>
        <${FreeMeters} siteId=${site} multiple=${true} chosen=${meters} onChange=${setMeters} />
        <div class="muted small" data-role="chosen-meters">${meters.size
          ? t('Chosen: {serials}', { serials: [...meters.values()].map((m) => m.serial_number).join(', ') })
          : t('Choose one or several meters')}</div><//>
      <${Row} name="tenant_name" label=${t('Tenant')} errors=${errors.tenant_name}>
        <input id="field-tenant_name" name="tenant_name" value=${values.tenant_name} onInput=${set('tenant_name')} /><//>
      <${Row} name="phone" label=${t('Phone')} errors=${errors.phone}>
        <input id="field-phone" name="phone" inputmode="tel" value=${values.phone} onInput=${set('phone')} /><//>
      <${Row} name="opening" label=${t('Opening balance')} errors=${errors.opening_balance}>
        <div class="radio-row">${Object.entries(OPENINGS).map(([code, label]) => html`<label key=${code}>
          <input type="radio" name="opening" value=${code} checked=${values.opening === code} onChange=${set('opening')} />${t(label)}</label>`)}</div>
        ${values.opening !== 'none' && html`<input id="field-opening_balance" name="opening_balance" inputmode="decimal"
          placeholder="100.00" aria-label=${t('Amount')} value=${values.amount} onInput=${set('amount')} />`}<//>
      ${values.opening === 'paid' && html`<${Row} name="opening_channel" label=${t('Channel')} errors=${errors.opening_channel}>
        <select id="field-opening_channel" name="opening_channel" value=${values.channel} onChange=${set('channel')}>
          ${COUNTER_CHANNELS.map((c) => html`<option value=${c}>${word(CHANNELS, c)}</option>`)}</select><//>`}
      ${values.opening === 'carried' && html`<${Row} name="carried_over_from" label=${t('Old meter')} errors=${errors.carried_over_from}>
        <input id="field-carried_over_from" name="carried_over_from" placeholder=${t('Serial number of the old meter')}
          value=${values.carried_over_from} onInput=${set('carried_over_from')} /><//>`}
      ${problem.message && html`<div class="form-error" role="alert">${problem.message}</div>`}
      <footer class="dialog-foot">
        <button type="button" class="btn" onClick=${onClose}>${t('Cancel')}</button>
        <button type="submit" class="btn btn-primary" data-action="open-account" disabled=${busy}>${t('Open the account')}</button>
      </footer>
    </form>
  <//>`;
}
