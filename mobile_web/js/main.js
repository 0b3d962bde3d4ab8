// The tenant pages: restore the session (or sign in), then the screen the hash names, with the
// bottom navigation. Everything comes from /api/v1/tenant.
import { html, render, useEffect, useState } from '/console/js/lib.js';
import { language, loadCatalogue, t } from '/console/js/i18n.js';
import { onSessionEnded } from '/console/js/api.js';
import { navigate, useRoute } from '/console/js/router.js';
import { forget, restore, session } from './tenant.js';
import { Offline } from './components/offline.js';
import { SignIn } from './screens/sign_in.js';
import { Home } from './screens/home.js';
import { Usage } from './screens/usage.js';
import { Recharge } from './screens/recharge.js';
import { Order } from './screens/order.js';
import { History } from './screens/history.js';
import { Receipt } from './screens/receipt.js';
import { Supply } from './screens/supply.js';
import { Me } from './screens/me.js';

const SCREENS = [
  { path: '/home', screen: Home, tab: '/home' },
  { path: '/usage', screen: Usage, tab: '/usage' },
  { path: '/recharge', screen: Recharge, tab: '/recharge' },
  { path: '/order', screen: Order, tab: '/recharge' },
  { path: '/history', screen: History, tab: '/history' },
  { path: '/receipt', screen: Receipt, tab: '/history' },
  { path: '/supply', screen: Supply, tab: '/home' },
  { path: '/me', screen: Me, tab: '/me' },
];
const TABS = [
  { path: '/home', title: 'Home', icon: '⌂' },
  { path: '/usage', title: 'Usage', icon: '▥' },
  { path: '/recharge', title: 'Top up', icon: '¥' },
  { path: '/history', title: 'History', icon: '☰' },
  { path: '/me', title: 'Me', icon: '☺' },
];
// An order left for Alipay's page: followed again when the payer comes back.
export const PENDING = 'wattkeeper.tenant.pending-order';

function Tabs({ current }) {
  return html`<nav class="tabs" aria-label=${t('Navigation')}>
    ${TABS.map((tab) => html`<a key=${tab.path} href=${`#${tab.path}`} class=${tab.path === current ? 'on' : ''}
        aria-current=${tab.path === current ? 'page' : undefined}>
      <span class="tab-icon" aria-hidden="true">${tab.icon}</span><span>${t(tab.title)}</span></a>`)}
  </nav>`;
}

function App() {
  const route = useRoute();
  const [state, setState] = useState('loading');
  const [, setTick] = useState(0);
  const [notice, setNotice] = useState(null);
  const load = () => restore().then(() => setState('ready'), () => setState('offline'));
  useEffect(() => {
    load();
    return onSessionEnded(() => {
      if (!session()) return;
      forget();
      setNotice(t('Your session has ended; sign in again.'));
      navigate('/sign-in');
    });
  }, []);
  const relabel = () => setTick((n) => n + 1);
  if (state === 'loading') return html`<div class="loading">${t('Loading…')}</div>`;
  if (state === 'offline') return html`<main class="screen"><${Offline} onRetry=${() => { setState('loading'); load(); }} /></main>`;
  if (!session()) {
    if (route.path !== '/sign-in') {
      navigate('/sign-in');
      return null;
    }
    return html`<${SignIn} notice=${notice} query=${route.query} onLanguage=${relabel}
      onSignedIn=${() => { setNotice(null); navigate('/home'); relabel(); }} />`;
  }
  const pending = sessionStorage.getItem(PENDING);
  if (pending && route.path !== '/order') {
    sessionStorage.removeItem(PENDING);
    navigate(`/order/${pending}`);
    return null;
  }
  const found = SCREENS.find((s) => route.path === s.path || route.path.startsWith(`${s.path}/`));
  if (!found) {
    navigate('/home');
    return null;
  }
  const Screen = found.screen;
  const rest = route.path.slice(found.path.length + 1);
  return html`<div class="frame">
    <main class="screen">
      ${route.query.wechat === 'bound' && html`<div class="form-note" data-testid="wechat-bound">${t('From now on WeChat signs you in here; you can stop it under Me.')}</div>`}
      <${Screen} key=${`${route.path}|${language()}`} id=${rest} query=${route.query} onLanguage=${relabel} />
    </main>
    <${Tabs} current=${found.tab} />
  </div>`;
}

// Alipay's page sends the payer back with its signed return parameters in the query; the order
// is followed from the hash, so they are dropped from the address bar (and from bookmarks).
if (new URLSearchParams(window.location.search).has('out_trade_no')) {
  window.history.replaceState(null, '', window.location.pathname + window.location.hash);
}
loadCatalogue().then(() => render(html`<${App} />`, document.getElementById('app')));
