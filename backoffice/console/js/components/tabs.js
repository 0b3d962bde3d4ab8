// Sub-pages of a module as tabs under the breadcrumb, each its own hash route (#/reports/journal),
// so a tab can be linked to, reloaded and followed in the breadcrumb.
import { html } from '../lib.js';
import { t } from '../i18n.js';
import { can } from '../session.js';

export function visibleTabs(tabs) {
  return tabs.filter((tab) => !tab.permission || can(tab.permission));
}

// The tab the path names, or the first one the user may open.
export function currentTab(tabs, path) {
  const shown = visibleTabs(tabs);
  return shown.find((tab) => path === tab.path || path.startsWith(`${tab.path}/`)) || shown[0];
}

export function Tabs({ tabs, current }) {
  return html`<nav class="page-tabs" aria-label=${t('Sections')}>
    ${visibleTabs(tabs).map((tab) => html`<a key=${tab.path} href=${`#${tab.path}`} data-tab=${tab.path.split('/').pop()}
      class=${tab === current ? 'page-tab active' : 'page-tab'} aria-current=${tab === current ? 'page' : null}>${t(tab.title)}</a>`)}
  </nav>`;
}
