// The sidebar's modules: each a screen and the permission that shows it.
import { AlarmsScreen } from './screens/alarms.js';
import { ASSET_TABS, AssetsScreen } from './screens/assets.js';
import { BillsScreen } from './screens/bills.js';
import { ContractsScreen } from './screens/contracts.js';
import { DashboardScreen } from './screens/dashboard.js';
import { MonitorScreen } from './screens/monitor.js';
import { RegistryScreen } from './screens/registry.js';
import { REPORT_TABS, ReportsScreen } from './screens/reports.js';
import { SalesScreen } from './screens/sales.js';
import { SYSTEM_TABS, SystemScreen } from './screens/system.js';
import { TariffsScreen } from './screens/tariffs.js';
import { TenantsScreen } from './screens/tenants.js';

export const MODULES = [
  { path: '/dashboard', title: 'Dashboard', icon: '▦', permission: 'reports.read', screen: DashboardScreen },
  { path: '/monitor', title: 'Meter monitor', icon: '◉', permission: 'registry.read', screen: MonitorScreen },
  { path: '/registry', title: 'Registry', icon: '⌂', permission: 'registry.read', screen: RegistryScreen },
  { path: '/tenants', title: 'Tenants', icon: '☺', permission: 'accounts.read', screen: TenantsScreen },
  { path: '/contracts', title: 'Contracts', icon: '✎', permission: 'contracts.read', screen: ContractsScreen },
  { path: '/sales', title: 'Sales', icon: '¥', permission: 'sales.read', screen: SalesScreen },
  { path: '/bills', title: 'Bills', icon: '▥', permission: 'billing.read', screen: BillsScreen },
  { path: '/tariffs', title: 'Tariffs', icon: '≋', permission: 'tariffs.read', screen: TariffsScreen },
  { path: '/assets', title: 'Metering assets', icon: '▣', permission: 'assets.read', screen: AssetsScreen, tabs: ASSET_TABS },
  { path: '/alarms', title: 'Alarms', icon: '⚠', permission: 'alarms.read', screen: AlarmsScreen },
  { path: '/reports', title: 'Reports', icon: '▤', permission: 'reports.read', screen: ReportsScreen, tabs: REPORT_TABS },
  // Last, as the product has it: operators and the log are the administrator's, not the day's.
  { path: '/system', title: 'System', icon: '⚙', permission: 'operators.read', screen: SystemScreen, tabs: SYSTEM_TABS },
];
