// Recharge: preset or custom amount, the limits shown before paying; the method follows where
// the page runs. One key per intent to pay, so a double tap or a retry never makes two orders.
import { html, useEffect, useState } from '/console/js/lib.js';
import { t } from '/console/js/i18n.js';
import { api, idempotencyKey } from '/console/js/api.js';
import { yuan } from '/console/js/format.js';
import { navigate } from '/console/js/router.js';
import { accountId, accountPath, session } from '../tenant.js';
import { where } from '../where.js';
import { useApi, Waiting } from '../components/loader.js';
import { problem } from '../components/offline.js';

const PRESETS = ['20.00', '50.00', '100.00', '200.00', '500.00'];
export const CHANNEL_NAMES = { alipay: 'Alipay', wechat: 'WeChat Pay', unionpay: 'UnionPay' };
const MONEY = /^\d{1,7}(\.\d{1,2})?$/;

export function Recharge({ query }) {
  const place = where();
  // Inside WeChat, a JSAPI payment needs the payer's openid: WeChat's web authorisation gives
  // it without a prompt and comes back here (once; not again after a refusal).
  const authorise = place === 'wechat' && !session().wechat_bound && query.wechat !== 'refused';
  const home = useApi(authorise ? null : accountPath());
  useEffect(() => {
    if (authorise) window.location.assign(`/api/v1/tenant/wechat/authorize?account_id=${accountId()}`);
  }, []);
  const [amount, setAmount] = useState('50.00');
  const [custom, setCustom] = useState('');
  const [channel, setChannel] = useState(place === 'wechat' ? 'wechat' : 'alipay');
  const [key, setKey] = useState(idempotencyKey());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  if (!home.data || authorise) return html`<${Waiting} state=${home} />`;
  const limits = home.data.recharge;
  const chosen = custom || amount;
  const valid = MONEY.test(chosen) && Number(chosen) >= Number(limits.minimum) && Number(chosen) <= Number(limits.most_now);
  // A new intent (another amount or method) gets a new key; a retry of the same one keeps it.
  const change = (update) => { update(); setKey(idempotencyKey()); setError(null); };
  const method = place === 'wechat' && channel === 'wechat' ? 'jsapi' : place === 'phone' && channel === 'alipay' ? 'wap' : 'qr';
  const pay = async () => {
    setBusy(true);
    setError(null);
    const body = { amount: Number(chosen).toFixed(2), method, ...(method === 'qr' ? { channel } : {}) };
    try {
      const answer = await api('POST', accountPath('/orders'), { json: body, headers: { 'Idempotency-Key': key } });
      // WeChat's pay call is signed for this answer only (never stored): handed to the next screen.
      if (answer.body.jsapi) sessionStorage.setItem(`wk.jsapi.${answer.body.id}`, JSON.stringify(answer.body.jsapi));
      navigate(`/order/${answer.body.id}`);
    } catch (failure) {
      setError(problem(failure));
      setBusy(false);
    }
  };
  const channels = place === 'desktop' ? ['alipay', 'wechat', 'unionpay'] : place === 'wechat' ? ['wechat', 'alipay'] : ['alipay'];
  return html`<section>
    <h1>${t('Top up')}</h1>
    <div class="card">
      <div class="row"><span>${t('Balance')}</span><strong>${yuan(home.data.balance)}</strong></div>
      <div class="presets" role="group" aria-label=${t('Amount')}>
        ${PRESETS.map((preset) => html`<button key=${preset} class=${`preset ${!custom && amount === preset ? 'on' : ''}`}
          disabled=${Number(preset) > Number(limits.most_now)}
          onClick=${() => change(() => { setAmount(preset); setCustom(''); })}>¥${preset.replace('.00', '')}</button>`)}
      </div>
      <label>${t('Other amount (yuan)')}
        <input name="amount" inputmode="decimal" value=${custom} placeholder=${t('e.g. 88.50')}
          onInput=${(e) => { const v = e.target.value.trim(); change(() => setCustom(v)); }} /></label>
      <p class="limits small">${t('One payment {min} to {max}; the balance may hold at most {cap}, so at most {most} now.',
        { min: yuan(limits.minimum), max: yuan(limits.maximum), cap: yuan(limits.credit_cap), most: yuan(limits.most_now) })}</p>
      ${custom && !valid && html`<div class="field-error">${t('Enter an amount within the limits above.')}</div>`}
    </div>
    <div class="card">
      <h2>${t('Pay with')}</h2>
      <div class="methods">${channels.map((c) => html`<button key=${c} class=${`method ${channel === c ? 'on' : ''}`}
        onClick=${() => change(() => setChannel(c))}>${t(CHANNEL_NAMES[c])}</button>`)}</div>
      ${place === 'wechat' && channel === 'alipay' && html`<p class="notice small">${t('Alipay does not open inside WeChat: tap ··· at the top right and open this page in the browser, or pay by QR.')}</p>`}
      ${place === 'desktop' && html`<p class="muted small">${t('A QR code will be shown: scan it with the app of your choice.')}</p>`}
    </div>
    ${error && html`<div class="form-error" role="alert">${error}</div>`}
    <button class="btn btn-primary btn-block btn-pay" disabled=${busy || !valid} onClick=${pay}>
      ${busy ? t('Please wait…') : t('Pay {amount}', { amount: valid ? yuan(Number(chosen).toFixed(2)) : '' })}</button>
  </section>`;
}
