// Me: the WeChat users that sign this phone in with no code, each removable; inside WeChat,
// where the site allows it and none is bound yet, the choice to be signed in by WeChat.
import { html, useState } from '/console/js/lib.js';
import { language, t } from '/console/js/i18n.js';
import { api } from '/console/js/api.js';
import { session } from '../tenant.js';
import { where } from '../where.js';
import { useApi } from './loader.js';
import { problem } from './offline.js';

export function WechatSignIn() {
  const state = useApi('/tenant/wechat/bindings');
  const [error, setError] = useState(null);
  const offer = session().wechat_sign_in_account_id;
  const bindings = state.data;
  if (!bindings || (!bindings.length && !(offer && where() === 'wechat'))) return null;
  const remove = async (id) => {
    setError(null);
    try {
      await api('DELETE', `/tenant/wechat/bindings/${id}`);
      state.reload();
    } catch (failure) {
      setError(problem(failure));
    }
  };
  const date = (at) => new Date(at).toLocaleDateString(language());
  return html`<div class="card wechat-sign-in">
    <h2>${t('Sign in with WeChat')}</h2>
    ${bindings.length ? html`<ul class="list">${bindings.map((b) => html`<li key=${b.id} class="binding" data-binding=${b.id}>
        <span><strong>${t(b.this_wechat ? 'This WeChat' : 'Another WeChat user')}</strong><br />
          <span class="muted small">${t('Since {date}', { date: date(b.created_at) })}${b.last_used_at ? ` · ${t('last signed in {date}', { date: date(b.last_used_at) })}` : ''}</span></span>
        <button type="button" class="btn" onClick=${() => remove(b.id)}>${t('Remove')}</button></li>`)}</ul>
      <p class="muted small">${t('WeChat signs this phone in with no code. Remove it to be asked for a code again.')}</p>`
    : html`<p class="muted small">${t('Sign in here by WeChat next time, with no code.')}</p>
      <button type="button" class="btn btn-block" onClick=${() => window.location.assign(`/api/v1/tenant/wechat/authorize?account_id=${offer}&bind=true`)}>${t('Turn on')}</button>`}
    ${error && html`<div class="form-error" role="alert">${error}</div>`}
  </div>`;
}
