// Login: username and password, then the one-time code when the operator has a second factor.
import { html, useState } from '../lib.js';
import { LANGUAGES, language, setLanguage, t } from '../i18n.js';
import { login } from '../session.js';

export function LoginScreen({ onLoggedIn, onLanguage, notice }) {
  const [values, setValues] = useState({ username: '', password: '', code: '' });
  const [needsCode, setNeedsCode] = useState(false);
  const [problem, setProblem] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (name) => (event) => setValues({ ...values, [name]: event.target.value });
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await login(values.username, values.password, needsCode ? values.code : null);
      onLoggedIn();
    } catch (error) {
      if (!needsCode && error.fields && error.fields.totp_code) {
        setNeedsCode(true);  // the password was right; the second factor comes next
      } else {
        setProblem(error.message);
      }
    } finally {
      setBusy(false);
    }
  };
  const switchLanguage = async (next) => {
    await setLanguage(next);
    onLanguage();
  };
  return html`<div class="login-page">
    <form class="login-card" onSubmit=${submit}>
      <div class="lang-toggle login-lang" role="group" aria-label=${t('Language')}>
        ${LANGUAGES.map((code) => html`<button type="button" key=${code} class=${language() === code ? 'on' : ''}
          data-lang=${code} onClick=${() => switchLanguage(code)}>${code === 'en' ? 'EN' : '中文'}</button>`)}
      </div>
      <h1><span class="brand-mark">⚡</span> ${t('Wattkeeper')}</h1>
      <p class="login-sub">${t('Prepaid electricity back office')}</p>
      ${notice && html`<div class="notice" role="status">${notice}</div>`}
      ${!needsCode ? html`
        <label for="username">${t('Username')}</label>
        <input id="username" name="username" autocomplete="username" value=${values.username} onInput=${set('username')} required />
        <label for="password">${t('Password')}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" value=${values.password}
          onInput=${set('password')} required />` : html`
        <p>${t('Enter the 6-digit code from your authenticator app.')}</p>
        <label for="totp">${t('One-time code')}</label>
        <input id="totp" name="totp" inputmode="numeric" autocomplete="one-time-code" maxlength="6"
          value=${values.code} onInput=${set('code')} required />`}
      ${problem && html`<div class="form-error" role="alert">${problem}</div>`}
      <button type="submit" class="btn btn-primary btn-block" disabled=${busy}>${t('Log in')}</button>
    </form>
  </div>`;
}
