// System (系统管理): operators and roles, kiosk devices, bearer tokens, the system log. Each a tab
// with its own route; tabs follow the user's permissions (an auditor reads operators, kiosks and
// the log only).
import { html } from '../lib.js';
import { Tabs, currentTab } from '../components/tabs.js';
import { OperatorsTab, RolesTab } from './system_operators.js';
import { KiosksTab } from './system_kiosks.js';
import { TokensTab } from './system_tokens.js';
import { LogTab } from './system_log.js';

export const SYSTEM_TABS = [
  { path: '/system/operators', title: 'Operators', permission: 'operators.read', screen: OperatorsTab },
  { path: '/system/roles', title: 'Roles', permission: 'operators.read', screen: RolesTab },
  { path: '/system/kiosks', title: 'Kiosk devices', permission: 'operators.read', screen: KiosksTab },
  { path: '/system/tokens', title: 'Bearer tokens', permission: 'operators.write', screen: TokensTab },
  { path: '/system/log', title: 'System log', permission: 'audit.read', screen: LogTab },
];

export function SystemScreen({ path, query }) {
  const tab = currentTab(SYSTEM_TABS, path);
  const Screen = tab.screen;
  return html`<div class="tabbed">
    <${Tabs} tabs=${SYSTEM_TABS} current=${tab} />
    <${Screen} key=${tab.path} query=${query} path=${path} />
  </div>`;
}
