// The shell staff know from RuoYi/Element admin: a collapsible sidebar of modules, a bar with
// the breadcrumb, the language toggle and the user, then the page.
import { html, useState } from '../lib.js';
import { LANGUAGES, language, setLanguage, t } from '../i18n.js';
import { session } from '../session.js';
import { UserMenu } from './user_menu.js';

const COLLAPSED = 'wattkeeper.sidebar-collapsed';

export function Shell({ modules, current, crumbs, onLogout, onLanguage, children }) {
  const [collapsed, setCollapsed] = useState(localStorage.getItem(COLLAPSED) === '1');
  const flip = () => {
    localStorage.setItem(COLLAPSED, collapsed ? '0' : '1');
    setCollapsed(!collapsed);
  };
  const switchLanguage = async (next) => {
    await setLanguage(next);
    onLanguage();
  };
  const who = session().operator;
  return html`<div class=${`shell ${collapsed ? 'collapsed' : ''}`}>
    <aside class="sidebar">
      <div class="brand"><span class="brand-mark">⚡</span>${!collapsed && html`<span>${t('Wattkeeper')}</span>`}</div>
      <nav aria-label=${t('Modules')}><ul>
        ${modules.map((module) => html`<li key=${module.path}>
          <a href=${`#${module.path}`} class=${current === module.path ? 'active' : ''} title=${t(module.title)}>
            <span class="nav-icon" aria-hidden="true">${module.icon}</span>
            ${!collapsed && html`<span>${t(module.title)}</span>`}</a></li>`)}
      </ul></nav>
    </aside>
    <div class="main">
      <header class="topbar">
        <button class="icon-btn" aria-label=${t('Collapse the menu')} onClick=${flip}>${collapsed ? '☰' : '⇤'}</button>
        <ol class="breadcrumb">${crumbs.map((crumb, i) => html`<li key=${i}>
          ${crumb.href ? html`<a href=${crumb.href}>${crumb.title}</a>` : html`<span>${crumb.title}</span>`}</li>`)}</ol>
        <div class="topbar-right">
          <div class="lang-toggle" role="group" aria-label=${t('Language')}>
            ${LANGUAGES.map((code) => html`<button key=${code} class=${language() === code ? 'on' : ''}
              data-lang=${code} onClick=${() => switchLanguage(code)}>${code === 'en' ? 'EN' : '中文'}</button>`)}
          </div>
          <${UserMenu} label=${`${who.display_name || who.username} · ${t(roleWord(who.role))}`} />
          <button class="btn btn-small" data-role="logout" onClick=${onLogout}>${t('Log out')}</button>
        </div>
      </header>
      <main class="page">${children}</main>
    </div>
  </div>`;
}

const ROLES = { admin: 'Administrator', finance: 'Finance', operator: 'Operator', viewer: 'Viewer', auditor: 'Auditor', kiosk: 'Kiosk device' };
export function roleWord(role) {
  return ROLES[role] || role;
}
