// Switch one's own supply off (leaving the shop) or on (after a top-up), followed to verified.
import { html, useEffect, useState } from '/console/js/lib.js';
import { t } from '/console/js/i18n.js';
import { api, get, idempotencyKey } from '/console/js/api.js';
import { accountPath } from '../tenant.js';
import { useApi, Waiting } from '../components/loader.js';
import { problem } from '../components/offline.js';
import { SupplyTag } from '../components/tags.js';

const FINAL = ['verified', 'failed', 'expired'];
const STATES = { queued: 'Waiting to be sent', sent: 'Sent to the meter', acknowledged: 'The meter acknowledged',
  verified: 'Done: read back from the meter', failed: 'Failed', expired: 'Expired before it could be sent' };

function Meter({ meter, home, onDone }) {
  const [confirm, setConfirm] = useState(false);
  const [command, setCommand] = useState(null);
  const [error, setError] = useState(null);
  const [key] = useState(idempotencyKey());
  const turnOn = meter.supply !== 'on';
  useEffect(() => {
    if (!command || FINAL.includes(command.state)) return undefined;
    const timer = setInterval(() => get(accountPath(`/commands/${command.id}`)).then((found) => {
      setCommand(found);
      if (FINAL.includes(found.state)) onDone();
    }, () => {}), 1000);
    return () => clearInterval(timer);
  }, [command && command.state]);
  const send = async () => {
    setConfirm(false);
    setError(null);
    try {
      const answer = await api('POST', accountPath('/supply'), { json: { meter_id: meter.id, on: turnOn },
        headers: { 'Idempotency-Key': `${key}-${turnOn}` } });
      setCommand(answer.body);
    } catch (failure) {
      setError(problem(failure));
    }
  };
  return html`<div class="card" data-meter=${meter.serial_number}>
    <div class="row"><strong>${t('Meter')} ${meter.serial_number}</strong>
      <${SupplyTag} supply=${meter.supply} isProtected=${home.protected} /></div>
    ${command ? html`<p class="state-line" role="status" data-command-state=${command.state}>
        ${!FINAL.includes(command.state) && html`<span class="spinner" aria-hidden="true"></span>`}
        ${t(command.kind === 'trip' ? 'Switching off' : 'Switching on')}: ${t(STATES[command.state])}
        ${command.error && html`<span class="muted small"> ${command.error}</span>`}</p>`
      : confirm ? html`<p>${t(turnOn ? 'Switch the power on now?' : 'Switch the power off now? Everything on this meter loses power.')}</p>
        <div class="two"><button class="btn" onClick=${() => setConfirm(false)}>${t('Cancel')}</button>
          <button class="btn btn-primary" onClick=${send}>${t('Confirm')}</button></div>`
        : html`<button class=${`btn btn-block ${turnOn ? 'btn-primary' : 'btn-danger'}`} onClick=${() => setConfirm(true)}
            disabled=${meter.supply === 'offline'}>${t(turnOn ? 'Switch on' : 'Switch off')}</button>`}
    ${error && html`<div class="form-error" role="alert">${error}</div>`}
  </div>`;
}

export function Supply() {
  const state = useApi(accountPath());
  if (!state.data) return html`<${Waiting} state=${state} />`;
  const home = state.data;
  return html`<section>
    <h1>${t('Switch my supply')}</h1>
    ${!home.supply_control ? html`<p class="notice">${t('Switching the supply from the phone is turned off at this site; please ask the property office.')}</p>`
      : html`<p class="muted small">${t('Switch off when you leave; switch on again when the balance is above zero.')}</p>
        ${home.meters.map((m) => html`<${Meter} key=${m.id} meter=${m} home=${home} onDone=${state.reload} />`)}`}
  </section>`;
}
