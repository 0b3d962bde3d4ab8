// Which alarm texts this account's phone gets. Arrears is always texted (the supply is being
// cut), so it is shown ticked and cannot be changed; a change is saved as it is made.
import { html, useState } from '/console/js/lib.js';
import { t } from '/console/js/i18n.js';
import { api } from '/console/js/api.js';
import { accountPath } from '../tenant.js';
import { useApi } from './loader.js';
import { problem } from './offline.js';

const CHOICES = [['alarm1', 'Balance below alarm 1'], ['alarm2', 'Balance below alarm 2']];

export function Alerts() {
  const state = useApi(accountPath('/alerts'));
  const [saved, setSaved] = useState(null);
  const [error, setError] = useState(null);
  const shown = saved || state.data;
  if (!shown) return null;
  const change = async (kind, on) => {
    setError(null);
    try {
      setSaved((await api('PUT', accountPath('/alerts'), { json: { alarm1: shown.alarm1, alarm2: shown.alarm2, [kind]: on } })).body);
    } catch (failure) {
      setError(problem(failure));
    }
  };
  return html`<div class="card alerts">
    <h2>${t('SMS alerts')}</h2>
    ${CHOICES.map(([kind, label]) => html`<button type="button" role="switch" class="switch-row" key=${kind}
        data-alert=${kind} aria-checked=${shown[kind] ? 'true' : 'false'} onClick=${() => change(kind, !shown[kind])}>
      <span>${t(label)}</span><span class=${`switch ${shown[kind] ? 'on' : ''}`}>${t(shown[kind] ? 'On' : 'Off')}</span></button>`)}
    <div class="switch-row fixed"><span>${t('Arrears: the power is being cut')}</span>
      <span class="muted small">${t('Always texted')}</span></div>
    ${error && html`<div class="form-error" role="alert">${error}</div>`}
  </div>`;
}
