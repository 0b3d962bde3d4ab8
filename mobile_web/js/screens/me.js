// Me: the phone signed in, its accounts (switch between them), the alarm texts, WeChat sign-in,
// language, sign out.
import { html } from '/console/js/lib.js';
import { language, setLanguage, t } from '/console/js/i18n.js';
import { navigate } from '/console/js/router.js';
import { accountId, chooseAccount, session, signOut } from '../tenant.js';
import { LanguageToggle } from '../components/language.js';
import { Alerts } from '../components/alerts.js';
import { WechatSignIn } from '../components/wechat_sign_in.js';

export function Me({ onLanguage }) {
  const me = session();
  return html`<section>
    <h1>${t('Me')}</h1>
    <div class="card"><div class="row"><span>${t('Phone')}</span><strong>${me.phone}</strong></div></div>
    <div class="card">
      <h2>${t('My accounts')}</h2>
      <ul class="list">${me.accounts.map((a) => html`<li key=${a.id}>
        <button class=${`list-item ${a.id === accountId() ? 'on' : ''}`} onClick=${() => { chooseAccount(a.id); navigate('/home'); }}>
          <span><strong>${a.number}</strong><br /><span class="muted small">${a.site_name}${a.place ? ` · ${a.place}` : ''}</span></span>
          <span>${a.id === accountId() ? t('Shown') : t('Show')}</span></button></li>`)}</ul>
    </div>
    <${Alerts} key=${accountId()} />
    <${WechatSignIn} />
    <div class="card"><div class="row"><span>${t('Language')}</span>
      <${LanguageToggle} value=${language()} onChange=${(next) => setLanguage(next).then(onLanguage)} /></div></div>
    <button class="btn btn-block" onClick=${() => signOut().finally(() => navigate('/sign-in'))}>${t('Sign out')}</button>
  </section>`;
}
