// The console: restore the session (or log in), then the shell around the screen the hash names.
import { html, render, useEffect, useState } from './lib.js';
import { language, loadCatalogue, t } from './i18n.js';
import { onSessionEnded } from './api.js';
import { can, forget, logout, restore, session } from './session.js';
import { navigate, parseHash, useRoute } from './router.js';
import { Shell } from './components/layout.js';
import { LoginScreen } from './screens/login.js';
import { MODULES } from './modules.js';
import { currentTab } from './components/tabs.js';

const HOME = '/dashboard';

function currentHash() {
  return window.location.hash.replace(/^#/, '') || HOME;
}

function App() {
  const route = useRoute();
  const [ready, setReady] = useState(false);
  const [, setLanguageTick] = useState(0);
  const [notice, setNotice] = useState(null);
  useEffect(() => {
    restore().then(() => setReady(true));
    // Any 401 from the API: the session ended (idle, logged out elsewhere, password changed).
    return onSessionEnded(() => {
      if (!session()) return;
      const here = currentHash();
      forget();
      setNotice(t('Your session has ended; log in again.'));
      navigate('/login', { next: here });
    });
  }, []);
  const relabel = () => setLanguageTick((n) => n + 1);
  if (!ready) return html`<div class="loading">${t('Loading…')}</div>`;
  if (!session()) {
    if (route.path !== '/login') {
      // The hash may already be on its way to the login page (a render can come first).
      if (parseHash().path !== '/login') navigate('/login', { next: currentHash() });
      return null;
    }
    return html`<${LoginScreen} notice=${notice} onLanguage=${relabel} onLoggedIn=${() => { setNotice(null); relabel(); }} />`;
  }
  if (route.path === '/login') {  // just logged in: back to where the user was
    const next = route.query.next;
    window.location.hash = next && !next.startsWith('/login') ? next : HOME;
    return null;
  }
  const modules = MODULES.filter((module) => can(module.permission));
  const module = modules.find((m) => route.path === m.path || route.path.startsWith(`${m.path}/`));
  if (!module) {
    navigate(modules.length ? modules[0].path : HOME);
    return null;
  }
  const crumbs = [{ title: t('Home'), href: `#${HOME}` }];
  if (module.path !== HOME) crumbs.push({ title: t(module.title), href: `#${module.path}` });
  const tab = module.tabs && currentTab(module.tabs, route.path);  // a module's sub-page, if it has them
  if (tab) crumbs.push({ title: t(tab.title), href: `#${tab.path}` });
  const Screen = module.screen;
  return html`<${Shell} modules=${modules} current=${module.path} crumbs=${crumbs} onLanguage=${relabel}
      onLogout=${() => logout().finally(() => { setNotice(null); navigate('/login'); setLanguageTick((n) => n + 1); })}>
    <${Screen} key=${`${route.path}|${language()}`} query=${route.query} path=${route.path} />
  <//>`;
}

loadCatalogue().then(() => render(html`<${App} />`, document.getElementById('app')));
