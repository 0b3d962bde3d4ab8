// A payment being followed: the QR with its countdown, Alipay's page, or WeChat's JSAPI call;
// then the state until it is credited, the new balance and the receipt.
import { html, useEffect, useRef, useState } from '/console/js/lib.js';
import { t } from '/console/js/i18n.js';
import { api, get } from '/console/js/api.js';
import { yuan } from '/console/js/format.js';
import { accountPath } from '../tenant.js';
import { Offline, isOffline, problem } from '../components/offline.js';
import { CHANNEL_NAMES } from './recharge.js';

const WAITING = ['created', 'pending', 'paid'];
const PENDING = 'wattkeeper.tenant.pending-order';

function left(expiresAt, now) {
  const seconds = Math.max(0, Math.floor((new Date(expiresAt) - now) / 1000));
  const two = (n) => String(n).padStart(2, '0');
  const hours = Math.floor(seconds / 3600);
  const rest = `${two(Math.floor((seconds % 3600) / 60))}:${two(seconds % 60)}`;
  return hours ? `${hours}:${rest}` : rest;
}

// WeChat's in-app browser gives pages WeixinJSBridge; the pay call is the order's signed jsapi.
function payInWeChat(jsapi) {
  return new Promise((resolve) => {
    const call = () => window.WeixinJSBridge.invoke('getBrandWCPayRequest', jsapi, (res) => resolve(res.err_msg));
    if (window.WeixinJSBridge) call();
    else document.addEventListener('WeixinJSBridgeReady', call, { once: true });
  });
}

export function Order({ id }) {
  const [order, setOrder] = useState(null);
  const [offline, setOffline] = useState(false);
  const [error, setError] = useState(null);
  const [now, setNow] = useState(Date.now());
  const started = useRef(false);
  const path = accountPath(`/orders/${id}`);
  const follow = () => get(path).then((found) => { setOrder(found); setOffline(false); return found; },
    (failure) => { if (isOffline(failure)) setOffline(true); else setError(problem(failure)); return null; });
  useEffect(() => { follow(); }, [id]);
  useEffect(() => {  // the payer's side, once per page load
    if (!order || started.current || !WAITING.includes(order.state)) return;
    started.current = true;
    if (order.flow === 'wap' && order.pay_url && !sessionStorage.getItem(`wk.opened.${order.id}`)) {
      sessionStorage.setItem(`wk.opened.${order.id}`, '1');
      sessionStorage.setItem(PENDING, String(order.id));
      window.location.assign(order.pay_url);
    } else if (order.flow === 'jsapi' && sessionStorage.getItem(`wk.jsapi.${order.id}`)) {
      const jsapi = JSON.parse(sessionStorage.getItem(`wk.jsapi.${order.id}`));
      sessionStorage.removeItem(`wk.jsapi.${order.id}`);
      payInWeChat(jsapi).then(follow);
    }
  }, [order]);
  useEffect(() => {  // follow the order every second while it waits
    if (!order || !WAITING.includes(order.state)) return undefined;
    const timer = setInterval(() => { setNow(Date.now()); follow(); }, 1000);
    return () => clearInterval(timer);
  }, [order && order.state]);
  const cancel = async () => {
    try {
      setOrder((await api('POST', `${path}/cancel`)).body);
    } catch (failure) {
      setError(problem(failure));
    }
  };
  if (!order) return offline ? html`<${Offline} onRetry=${follow} />` : html`<div class="loading">${error || t('Loading…')}</div>`;
  const waiting = WAITING.includes(order.state);
  return html`<section class="order" data-state=${order.state}>
    <h1>${t('Payment')} ${yuan(order.amount)}</h1>
    <p class="muted">${t(CHANNEL_NAMES[order.channel])} · ${order.out_trade_no}</p>
    ${offline && html`<div class="notice" role="status">${t('Cannot reach the server.')} ${t('Still following the payment; nothing is paid twice.')}</div>`}
    ${waiting && order.flow === 'qr' && html`<div class="card qr-card">
      <img class="qr" src=${`/api/v1${path}/qr.svg`} alt=${t('QR code to scan')} width="240" height="240" />
      <p>${t('Scan with {app} to pay', { app: t(CHANNEL_NAMES[order.channel]) })}</p>
      <p class="countdown" data-testid="countdown">${t('Expires in {time}', { time: left(order.expires_at, now) })}</p></div>`}
    ${waiting && order.flow === 'wap' && html`<div class="card"><p>${t('Finish paying on the Alipay page.')}</p>
      <a class="btn btn-block" href=${order.pay_url}>${t('Open Alipay again')}</a></div>`}
    ${waiting && order.flow === 'jsapi' && html`<div class="card"><p>${t('Confirm the payment in WeChat.')}</p></div>`}
    ${waiting && html`<p class="state-line" role="status"><span class="spinner" aria-hidden="true"></span> ${t(order.state === 'paid' ? 'Paid; crediting your account…' : 'Waiting for the payment…')}</p>
      <button class="btn btn-block" onClick=${cancel}>${t('Cancel this payment')}</button>`}
    ${order.state === 'credited' && html`<div class="card success" role="status">
      <p class="big">${t('Paid and credited')}</p>
      <div class="row"><span>${t('New balance')}</span><strong data-testid="new-balance">${yuan(order.balance)}</strong></div>
      ${order.receipt_id && html`<a class="btn btn-block" href=${`#/receipt/${order.receipt_id}`}>${t('View the receipt')}</a>`}
      <a class="btn btn-primary btn-block" href="#/home">${t('Back to home')}</a></div>`}
    ${['closed', 'expired'].includes(order.state) && html`<div class="card" role="status">
      <p class="big">${t(order.state === 'expired' ? 'The payment expired' : 'The payment was cancelled or declined')}</p>
      <p class="muted">${t('Nothing was taken.')}</p>
      <a class="btn btn-primary btn-block" href="#/recharge">${t('Try again')}</a></div>`}
    ${['refunding', 'refunded'].includes(order.state) && html`<div class="card"><p>${t('This payment was refunded.')}</p></div>`}
    ${error && html`<div class="form-error" role="alert">${error}</div>`}
  </section>`;
}
