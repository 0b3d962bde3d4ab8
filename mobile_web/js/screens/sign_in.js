// Sign in: the account number (or a meter's serial), the phone on the account, a texted code.
// Inside WeChat, where a site allows it, WeChat signs in a tenant who once signed in by SMS
// there (and chose to be signed in by WeChat): the page goes to WeChat's authorisation first.
import { html, useEffect, useState } from '/console/js/lib.js';
import { language, setLanguage, t } from '/console/js/i18n.js';
import { api, get } from '/console/js/api.js';
import { signIn } from '../tenant.js';
import { where } from '../where.js';
import { problem } from '../components/offline.js';
import { LanguageToggle } from '../components/language.js';

// Set once WeChat was asked in this tab, so coming back without a binding never loops.
const WECHAT_TRIED = 'wattkeeper.tenant.wechat-tried';
const WECHAT_ANSWERS = {
  unknown: 'Sign in with a code once; after that WeChat can sign you in.',
  refused: 'WeChat could not sign you in; sign in with a code.',
};

// The site named in the link the official account's menu opens (/m/?site=CODE), if any.
function siteQuery() {
  const site = new URLSearchParams(window.location.search).get('site');
  return site ? `?${new URLSearchParams({ site })}` : '';
}

// Inside WeChat: 'checking', then off to WeChat (a bound tenant comes back signed in), or
// 'offered' (the form, with the choice to be signed in by WeChat next time); elsewhere 'no'.
function useWechatSignIn(query) {
  const [state, setState] = useState(where() === 'wechat' ? 'checking' : 'no');
  useEffect(() => {
    if (state !== 'checking') return;
    get(`/tenant/wechat/sign-in${siteQuery()}`).then((offer) => {
      if (!offer.available) return setState('no');
      if (query.wechat || sessionStorage.getItem(WECHAT_TRIED)) return setState('offered');
      sessionStorage.setItem(WECHAT_TRIED, '1');
      window.location.assign(`/api/v1/tenant/wechat/sign-in/start${siteQuery()}`);
    }, () => setState('no'));
  }, []);
  return state;
}

export function SignIn({ notice, query = {}, onSignedIn, onLanguage }) {
  const wechat = useWechatSignIn(query);
  const [byWechat, setByWechat] = useState(true);
  const [form, setForm] = useState({ account: '', phone: '', code: '' });
  const [errors, setErrors] = useState({});
  const [message, setMessage] = useState(null);
  const [wait, setWait] = useState(0);
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (wait <= 0) return undefined;
    const timer = setTimeout(() => setWait(wait - 1), 1000);
    return () => clearTimeout(timer);
  }, [wait]);
  const field = (name) => (event) => setForm({ ...form, [name]: event.target.value.trim() });
  const refused = (error) => {
    const fields = error.fields || {};
    setErrors(fields);
    setMessage(Object.keys(fields).length ? null : problem(error));
    const retry = error.body && error.status === 429 && /(\d+)/.exec(error.message || '');
    if (retry) setWait(Number(retry[1]));
  };
  const sendCode = async () => {
    setBusy(true);
    setErrors({});
    setMessage(null);
    try {
      const answer = await api('POST', '/tenant/auth/codes', { json: { account: form.account, phone: form.phone } });
      setSent(true);
      setWait(answer.body.resend_after_s);
      setMessage(t('If the account and phone match, a code is on its way by SMS.'));
    } catch (error) {
      refused(error);
    } finally {
      setBusy(false);
    }
  };
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    setMessage(null);
    try {
      const me = await signIn(form);
      if (wechat === 'offered' && byWechat && me.wechat_sign_in_account_id) {
        // WeChat's authorisation binds this WeChat user to the phone, then shows the home screen.
        window.location.assign(`/api/v1/tenant/wechat/authorize?account_id=${me.wechat_sign_in_account_id}&bind=true`);
        return;
      }
      onSignedIn();
    } catch (error) {
      refused(error);
    } finally {
      setBusy(false);
    }
  };
  const switchLanguage = (next) => setLanguage(next).then(onLanguage);
  const errorOf = (name) => errors[name] && html`<div class="field-error">${errors[name].join(' ')}</div>`;
  if (wechat === 'checking') return html`<main class="screen sign-in"><div class="loading">${t('Signing in with WeChat…')}</div></main>`;
  const answer = WECHAT_ANSWERS[query.wechat];
  return html`<main class="screen sign-in">
    <div class="sign-in-top">
      <h1 class="brand"><span aria-hidden="true">⚡</span> ${t('Electricity account')}</h1>
      <${LanguageToggle} value=${language()} onChange=${switchLanguage} />
    </div>
    ${notice && html`<div class="notice">${notice}</div>`}
    ${answer && html`<div class="notice" data-testid="wechat-answer">${t(answer)}</div>`}
    <form class="card form" onSubmit=${submit} novalidate>
      <label>${t('Account number or meter serial')}
        <input name="account" autocomplete="username" value=${form.account} onInput=${field('account')} /></label>
      ${errorOf('account')}
      <label>${t('Phone number on the account')}
        <input name="phone" type="tel" inputmode="tel" autocomplete="tel" value=${form.phone} onInput=${field('phone')} /></label>
      ${errorOf('phone')}
      <button type="button" class="btn btn-block" disabled=${busy || wait > 0 || !form.account || !form.phone}
        onClick=${sendCode}>${wait > 0 ? t('Send again in {seconds} s', { seconds: wait }) : t(sent ? 'Send the code again' : 'Send a code by SMS')}</button>
      <label>${t('Code from the SMS')}
        <input name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" value=${form.code} onInput=${field('code')} /></label>
      ${errorOf('code')}
      ${message && html`<div class=${sent && !errors.code ? 'form-note' : 'form-error'} role="status">${message}</div>`}
      ${wechat === 'offered' && html`<button type="button" role="switch" class="switch-row wechat-choice"
          aria-checked=${byWechat ? 'true' : 'false'} onClick=${() => setByWechat(!byWechat)}>
        <span>${t('Next time, sign me in with WeChat (no code)')}</span>
        <span class=${`switch ${byWechat ? 'on' : ''}`}>${t(byWechat ? 'On' : 'Off')}</span></button>`}
      <button type="submit" class="btn btn-primary btn-block" disabled=${busy || form.code.length !== 6}>${t('Sign in')}</button>
    </form>
    <p class="muted small center">${t('The code lives 5 minutes. One phone may hold several accounts.')}</p>
  </main>`;
}
