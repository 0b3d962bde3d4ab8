// One's own login: change the password, turn the second factor (TOTP) on with a QR the API
// draws, or off with a current code. The API's field errors show under their fields.
import { html, useState } from '../lib.js';
import { ApiError, api, sessionEnded } from '../api.js';
import { t } from '../i18n.js';
import { restore, session } from '../session.js';
import { Dialog, DialogForm } from '../components/dialog.js';

// After a change the API may have ended this session (it says so on /auth/me): then log in again.
async function carryOn() {
  if (!(await restore())) sessionEnded();
}

export function PasswordDialog({ onClose }) {
  const [done, setDone] = useState(false);
  const change = async (values) => {
    if (values.new_password !== values.repeat) {
      throw new ApiError(422, { errors: { json: { repeat: [t('The two new passwords differ.')] } } });
    }
    await api('POST', '/auth/password', { json: { current_password: values.current_password, new_password: values.new_password } });
    setDone(true);
    await carryOn();
  };
  if (done) {
    return html`<${Dialog} title=${t('Change password')} onClose=${onClose}>
      <p class="confirm-text" role="status" data-role="password-changed">${t('Your password is changed. Your other sessions have ended.')}</p>
      <footer class="dialog-foot"><button class="btn btn-primary" onClick=${onClose}>${t('Close')}</button></footer>
    <//>`;
  }
  return html`<${DialogForm} title=${t('Change password')} submitLabel=${t('Change password')} onSubmit=${change} onClose=${onClose}
    fields=${[
      { name: 'current_password', label: t('Current password'), type: 'password', autocomplete: 'current-password' },
      { name: 'new_password', label: t('New password'), type: 'password', autocomplete: 'new-password' },
      { name: 'repeat', label: t('Repeat it'), type: 'password', autocomplete: 'new-password' }]} />`;
}

function CodeForm({ label, submitLabel, onSubmit, onClose, children }) {
  return html`<${DialogForm} title=${t('Two-step verification')} submitLabel=${submitLabel} onSubmit=${onSubmit} onClose=${onClose}
    fields=${[{ name: 'code', label, inputmode: 'numeric', autocomplete: 'one-time-code', placeholder: '123456' }]}>
    ${children}<//>`;
}

export function TotpDialog({ onClose }) {
  const [on, setOn] = useState(Boolean(session().operator.totp_enabled));
  const [setup, setSetup] = useState(null);
  const [note, setNote] = useState(null);
  const [error, setError] = useState(null);
  const start = () => api('POST', '/auth/totp/setup').then(({ body }) => setSetup(body))
    .catch((failure) => setError(failure.message));
  const enable = async (values) => {
    await api('POST', '/auth/totp/enable', { json: { code: values.code.trim() } });
    await carryOn();
    setSetup(null);
    setOn(true);
    setNote(t('Two-step verification is on: the next login asks for a code.'));
  };
  const disable = async (values) => {
    await api('POST', '/auth/totp/disable', { json: { code: values.code.trim() } });
    await carryOn();
    setOn(false);
    setNote(t('Two-step verification is off.'));
  };
  if (setup) {
    const picture = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(setup.qr_svg)}`;
    return html`<${CodeForm} label=${t('Code from the app')} submitLabel=${t('Turn on')} onSubmit=${enable} onClose=${onClose}>
      <div class="totp-setup">
        <img class="totp-qr" data-role="totp-qr" src=${picture} alt=${t('QR code for the authenticator app')} width="200" height="200" />
        <div><p>${t('Scan the code with an authenticator app, or type this key into it:')}</p>
          <code class="totp-secret" data-role="totp-secret">${setup.secret}</code>
          <p class="muted small">${t('Then enter the 6-digit code it shows.')}</p></div>
      </div>
    <//>`;
  }
  if (on) {
    return html`<${CodeForm} label=${t('Code from the app')} submitLabel=${t('Turn off')} onSubmit=${disable} onClose=${onClose}>
      <p class="dialog-text" data-role="totp-state">${note || t('Two-step verification is on. To turn it off, enter a current code.')}</p>
    <//>`;
  }
  return html`<${Dialog} title=${t('Two-step verification')} onClose=${onClose}>
    <p class="dialog-text" data-role="totp-state">${note || t('Two-step verification is off. With it on, a login also needs a code from an authenticator app on your phone.')}</p>
    ${error && html`<div class="form-error" role="alert">${error}</div>`}
    <footer class="dialog-foot"><button class="btn" onClick=${onClose}>${t('Close')}</button>
      <button class="btn btn-primary" data-role="totp-start" onClick=${start}>${t('Turn on')}</button></footer>
  <//>`;
}
