// Report centre (报表中心): each report a tab with its own route (#/reports/journal); every list
// exports to Excel through the API's export of the same filters.
import { html } from '../lib.js';
import { Tabs, currentTab } from '../components/tabs.js';
import { AlarmsScreen } from './alarms.js';
import { JournalTab, StatementTab, TotalsTab } from './reports_money.js';
import { EnergyTab, LostTab, SmsTab } from './reports_meters.js';

export const REPORT_TABS = [
  { path: '/reports/totals', title: 'Sales totals', permission: 'reports.read', screen: TotalsTab },
  { path: '/reports/journal', title: 'Sales journal', permission: 'reports.read', screen: JournalTab },
  { path: '/reports/statements', title: 'Account statements', permission: 'reports.read', screen: StatementTab },
  { path: '/reports/energy', title: 'Energy', permission: 'reports.read', screen: EnergyTab },
  { path: '/reports/alarms', title: 'Alarms', permission: 'alarms.read', screen: AlarmsScreen },
  { path: '/reports/lost', title: 'Lost communication', permission: 'alarms.read', screen: LostTab },
  { path: '/reports/sms', title: 'SMS outbox', permission: 'sms.read', screen: SmsTab },
];

export function ReportsScreen({ path, query }) {
  const tab = currentTab(REPORT_TABS, path);
  const Screen = tab.screen;
  return html`<div class="tabbed">
    <${Tabs} tabs=${REPORT_TABS} current=${tab} />
    <${Screen} key=${tab.path} query=${tab.path === path ? query : {}} path=${path} />
  </div>`;
}
