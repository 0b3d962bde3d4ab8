// The sidebar's modules: each a screen and the permission that shows it.
import { AlarmsScreen } from './screens/alarms.js';
import { DashboardScreen } from './screens/dashboard.js';
import { MonitorScreen } from './screens/monitor.js';
import { SalesScreen } from './screens/sales.js';
import { TenantsScreen } from './screens/tenants.js';

export const MODULES = [
  { path: '/dashboard', title: 'Dashboard', icon: '▦', permission: 'reports.read', screen: DashboardScreen },
  { path: '/monitor', title: 'Meter monitor', icon: '◉', permission: 'registry.read', screen: MonitorScreen },
  { path: '/tenants', title: 'Tenants', icon: '☺', permission: 'accounts.read', screen: TenantsScreen },
  { path: '/sales', title: 'Sales', icon: '¥', permission: 'sales.read', screen: SalesScreen },
  { path: '/alarms', title: 'Alarms', icon: '⚠', permission: 'alarms.read', screen: AlarmsScreen },
];
