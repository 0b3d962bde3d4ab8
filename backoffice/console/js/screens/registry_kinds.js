// The registry's kinds of row: for each, its API path, its columns and its form's fields.
// `places` is what the screen knows: the place tree's sites, buildings and floors by id, the
// buses of the visible gateways and the units it loaded, for the forms' drop-downs.
import { html } from '../lib.js';
import { t } from '../i18n.js';
import { METER_LIFECYCLE, word, yuan } from '../format.js';

export const FRAMINGS = { modbus_tcp: 'Modbus TCP', rtu_over_tcp: 'RTU over TCP', serial: 'Serial port' };
export const PARITIES = { E: 'Even', N: 'None', O: 'Odd' };
export const CONTROL_MODES = { remote: 'Remote (server keeps the money)', local: 'Local (meter keeps the money)' };
const BAUDS = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200];

const choices = (words) => Object.keys(words).map((key) => [key, word(words, key)]);
const numbers = (values) => values.map((value) => [String(value), String(value)]);
const named = (rows) => rows.map((row) => [String(row.id), row.label || row.name]);
const text = (name, label, extra) => ({ name, label: t(label), ...extra });
const number = (name, label, extra) => ({ name, label: t(label), numeric: true, inputmode: 'numeric', ...extra });
const money = (name, label) => ({ name, label: t(label), inputmode: 'decimal' });

export function kinds(places) {
  const siteName = (id) => (places.sites[id] || {}).name || id;
  const unitName = (id) => (id ? (places.units[id] || {}).label || `#${id}` : '—');
  return {
    sites: {
      path: '/sites', noun: 'site', title: 'Sites', wide: true, label: (row) => row.name,
      filters: () => ({}),
      defaults: { timezone: 'Asia/Shanghai', poll_interval_s: 1800, default_price: '0.6000', alarm1_threshold: '20.00',
        alarm2_threshold: '5.00', overload_limit_w: 8000, overdraft_limit: '0.00', credit_cap: '5000.00',
        refund_approval_threshold: '500.00', online_min_amount: '1.00', online_max_amount: '2000.00', order_expiry_s: 7200 },
      columns: [
        { key: 'code', title: t('Code'), sortable: true },
        { key: 'name', title: t('Name'), sortable: true },
        { key: 'timezone', title: t('Time zone') },
        { key: 'poll_interval_s', title: t('Poll every (s)'), align: 'right' },
        { key: 'default_price', title: t('Default price'), align: 'right', render: (row) => yuan(row.default_price) },
        { key: 'alarm1_threshold', title: t('Alarm 1 below'), align: 'right', render: (row) => yuan(row.alarm1_threshold) },
        { key: 'alarm2_threshold', title: t('Alarm 2 below'), align: 'right', render: (row) => yuan(row.alarm2_threshold) },
        { key: 'refund_approval_threshold', title: t('Refunds approved above'), align: 'right', render: (row) => yuan(row.refund_approval_threshold) },
      ],
      fields: () => [
        text('code', 'Code'), text('name', 'Name'), text('timezone', 'Time zone'),
        number('poll_interval_s', 'Poll every (s)'), money('default_price', 'Default price'),
        money('alarm1_threshold', 'Alarm 1 below'), money('alarm2_threshold', 'Alarm 2 below'),
        number('overload_limit_w', 'Overload limit (W)'), money('overdraft_limit', 'Overdraft limit'),
        money('credit_cap', 'Credit cap'), money('refund_approval_threshold', 'Refunds approved above'),
        text('sms_sender', 'SMS sender'), money('online_min_amount', 'Smallest online payment'),
        money('online_max_amount', 'Largest online payment'), number('order_expiry_s', 'Unpaid orders close after (s)'),
      ],
    },
    buildings: {
      path: '/buildings', noun: 'building', title: 'Buildings', label: (row) => row.name,
      filters: (at) => ({ site_id: at.site_id }),
      defaults: (at) => ({ site_id: at.site_id || Object.keys(places.sites)[0] }),
      columns: [
        { key: 'name', title: t('Name'), sortable: true },
        { key: 'site_id', title: t('Site'), render: (row) => siteName(row.site_id) },
      ],
      fields: () => [number('site_id', 'Site', { options: named(Object.values(places.sites)) }), text('name', 'Name')],
    },
    floors: {
      path: '/floors', noun: 'floor', title: 'Floors', label: (row) => row.name,
      filters: (at) => ({ building_id: at.building_id }),
      defaults: (at) => ({ building_id: at.building_id || Object.keys(places.buildings)[0] }),
      columns: [
        { key: 'name', title: t('Name'), sortable: true },
        { key: 'building_id', title: t('Building'), render: (row) => (places.buildings[row.building_id] || {}).label || row.building_id },
      ],
      fields: () => [number('building_id', 'Building', { options: named(Object.values(places.buildings)) }), text('name', 'Name')],
    },
    units: {
      path: '/units', noun: 'unit', title: 'Units', label: (row) => row.name,
      filters: (at) => ({ floor_id: at.floor_id }),
      defaults: (at) => ({ floor_id: at.floor_id || Object.keys(places.floors)[0] }),
      columns: [
        { key: 'name', title: t('Name'), sortable: true },
        { key: 'floor_id', title: t('Floor'), render: (row) => (places.floors[row.floor_id] || {}).label || row.floor_id },
      ],
      fields: () => [number('floor_id', 'Floor', { options: named(Object.values(places.floors)) }), text('name', 'Name')],
    },
    gateways: {
      path: '/gateways', noun: 'gateway', title: 'Gateways', wide: true, label: (row) => row.name,
      search: { name: 'name', label: t('Gateway name') },
      filters: (at) => ({ site_id: at.site_id }),
      defaults: (at) => ({ site_id: at.site_id || Object.keys(places.sites)[0], port: 502, framing: 'modbus_tcp',
        baud: 9600, parity: 'E', stop_bits: 1, timeout_ms: 400, bus_count: 1 }),
      columns: [
        { key: 'name', title: t('Name'), sortable: true },
        { key: 'site_id', title: t('Site'), render: (row) => siteName(row.site_id) },
        { key: 'framing', title: t('Framing'), render: (row) => word(FRAMINGS, row.framing) },
        { key: 'host', title: t('Address'), render: (row) => (row.framing === 'serial' ? row.serial_device : `${row.host}:${row.port}`) },
        { key: 'buses', title: t('Buses'), render: (row) => row.buses.map((bus) => html`<span class="chip" key=${bus.id}>
          ${t('Bus {n}', { n: bus.number })}${bus.port ? ` :${bus.port}` : ''}</span>`) },
        { key: 'timeout_ms', title: t('Timeout (ms)'), align: 'right' },
      ],
      fields: (row) => [
        number('site_id', 'Site', { options: named(Object.values(places.sites)) }), text('name', 'Name'),
        text('framing', 'Framing', { options: choices(FRAMINGS) }), text('host', 'Host'),
        number('port', 'TCP port of bus 1'), text('serial_device', 'Serial device'),
        number('baud', 'Baud rate', { options: numbers(BAUDS) }), text('parity', 'Parity', { options: choices(PARITIES) }),
        number('stop_bits', 'Stop bits', { options: numbers([1, 2]) }), number('timeout_ms', 'Timeout (ms)'),
        number('bus_count', 'RS485 buses', { placeholder: row ? String(row.buses.length) : '1' }),
      ],
    },
    meters: {
      path: '/meters', noun: 'meter', title: 'Meters', wide: true, label: (row) => row.serial_number,
      search: { name: 'serial_number', label: t('Serial number') },
      filters: (at) => ({ site_id: at.site_id, building_id: at.building_id, floor_id: at.floor_id }),
      defaults: () => ({ bus_id: Object.keys(places.buses)[0], model: 'WK-PM1', phases: 1, ct_ratio: 1, control_mode: 'remote' }),
      columns: [
        { key: 'serial_number', title: t('Serial number'), sortable: true },
        { key: 'bus_id', title: t('Gateway and bus'), render: (row) => (places.buses[row.bus_id] || {}).label || row.bus_id },
        { key: 'address', title: t('Modbus address'), align: 'right', sortable: true },
        { key: 'unit_id', title: t('Unit'), render: (row) => unitName(row.unit_id) },
        { key: 'model', title: t('Model') },
        { key: 'phases', title: t('Phases'), align: 'right' },
        { key: 'control_mode', title: t('Control mode'), render: (row) => t(row.control_mode === 'local' ? 'Local' : 'Remote') },
        { key: 'status', title: t('Status'), render: (row) => word(METER_LIFECYCLE, row.status) },
      ],
      fields: () => [
        text('serial_number', 'Serial number'),
        number('bus_id', 'Gateway and bus', { options: named(Object.values(places.buses)) }),
        number('address', 'Modbus address'), text('model', 'Model'),
        number('phases', 'Phases', { options: numbers([1, 3]) }), number('ct_ratio', 'CT ratio'),
        text('control_mode', 'Control mode', { options: choices(CONTROL_MODES) }),
        number('unit_id', 'Unit', { nullable: true, options: [['', t('Not installed yet')], ...named(Object.values(places.units))] }),
      ],
    },
  };
}
