// Meter monitor: the place tree, meters as status-coloured tiles or a table, filters, and a
// batch remote operation on the meters chosen, followed meter by meter until each finishes.
import { html, useEffect, useMemo, useRef, useState } from '../lib.js';
import { t } from '../i18n.js';
import { can } from '../session.js';
import { PlaceTree, usePlaceTree } from '../components/tree.js';
import { DataTable, Pager, usePagedList } from '../components/table.js';
import { ExportButton } from '../components/export_button.js';
import { METER_STATUSES, StatusTag, meterStatus } from '../components/status_tag.js';
import { BatchDialog, COMMANDS } from './batch.js';
import { kwh, when, word, yuan } from '../format.js';

const NODE_FILTER = { site: 'site_id', building: 'building_id', floor: 'floor_id' };
const VIEW = 'wattkeeper.monitor-view';
const PAGE_SIZE = 'wattkeeper.monitor-page-size';
// A wall of tiles may show a whole building (the API pages the status list up to 2,000).
const SIZES = [100, 500, 2000];
const storedSize = () => (SIZES.includes(Number(localStorage.getItem(PAGE_SIZE))) ? Number(localStorage.getItem(PAGE_SIZE)) : 100);

function Tile({ row, chosen, onToggle, selectable }) {
  const status = meterStatus(row);
  return html`<label class=${`meter-tile meter-${status} ${chosen ? 'chosen' : ''}`} data-meter=${row.meter_id}>
    ${selectable && html`<input type="checkbox" checked=${chosen} onChange=${onToggle} aria-label=${row.serial_number} />`}
    <span class="meter-unit">${row.building ? `${row.building} ${row.unit || ''}` : row.serial_number}</span>
    <span class="meter-serial">${row.serial_number}</span>
    <span class="meter-balance">${row.account_id ? yuan(row.balance) : ''}</span>
    <${StatusTag} status=${status} isProtected=${row.protected} />
  </label>`;
}

export function MonitorScreen({ query }) {
  const tree = usePlaceTree();
  const [node, setNode] = useState(null);
  const [status, setStatus] = useState(query.status || '');
  const [onlyProtected, setOnlyProtected] = useState(query.protected === 'true');
  const [view, setView] = useState(localStorage.getItem(VIEW) || 'tiles');
  const [selected, setSelected] = useState(new Set());
  const [operation, setOperation] = useState('trip');
  const [batchOpen, setBatchOpen] = useState(false);
  const filters = { status, ...(onlyProtected ? { protected: 'true' } : {}),
    ...(node ? { [NODE_FILTER[node.kind]]: node.id } : {}) };
  const list = usePagedList('/meter-status', filters, storedSize());
  useEffect(() => localStorage.setItem(PAGE_SIZE, String(list.pageSize)), [list.pageSize]);
  const mayCommand = can('commands.issue');
  const choose = (next) => { setNode(next); setSelected(new Set()); };
  const switchView = (next) => { localStorage.setItem(VIEW, next); setView(next); };
  const toggle = (id) => {
    const next = new Set(selected);
    next.has(id) ? next.delete(id) : next.add(id);
    setSelected(next);
  };
  const columns = [
    { key: 'serial_number', title: t('Serial number'), sortable: true },
    { key: 'building', title: t('Building'), sortable: true },
    { key: 'unit', title: t('Unit'), sortable: true },
    { key: 'tenant_name', title: t('Tenant'), sortable: true },
    { key: 'status', title: t('Status'), sortable: true, sortValue: meterStatus, render: (row) => html`<${StatusTag} status=${meterStatus(row)} isProtected=${row.protected} />` },
    { key: 'relay_open', title: t('Relay'), render: (row) => row.relay_open === null ? '—' : t(row.relay_open ? 'Open (off)' : 'Closed (on)') },
    { key: 'total_energy', title: t('Reading'), align: 'right', sortable: true, sortValue: (row) => row.total_energy === null ? null : Number(row.total_energy), render: (row) => kwh(row.total_energy) },
    { key: 'balance', title: t('Balance'), align: 'right', sortable: true, sortValue: (row) => row.balance === null ? null : Number(row.balance), render: (row) => yuan(row.balance) },
    { key: 'last_read_at', title: t('Last read'), sortable: true, render: (row) => when(row.last_read_at) },
  ];
  const pageIds = list.rows.map((row) => row.meter_id);
  // Serial numbers of every meter seen, for the batch view: kept aside, not in state, since a
  // state change would render a wall of 2,000 tiles a second time.
  const labels = useRef({});
  for (const row of list.rows) labels.current[row.meter_id] = row.serial_number;
  // The same elements while the rows and the selection stand, so that another render (the tree
  // arriving, a filter being typed) leaves a wall of 2,000 tiles alone.
  const wall = useMemo(() => list.rows.map((row) => html`<${Tile} key=${row.meter_id} row=${row}
    selectable=${mayCommand} chosen=${selected.has(row.meter_id)} onToggle=${() => toggle(row.meter_id)} />`),
  [list.rows, selected, mayCommand]);
  return html`<div class="with-tree">
    <${PlaceTree} nodes=${tree} chosen=${node} onChoose=${choose} />
    <div class="list-screen">
      <form class="search-form" onSubmit=${(e) => e.preventDefault()}>
        <label>${t('Status')} <select name="status" value=${status} onChange=${(e) => { setStatus(e.target.value); setSelected(new Set()); }}>
          <option value="">${t('All')}</option>
          ${Object.keys(METER_STATUSES).map((s) => html`<option value=${s}>${word(METER_STATUSES, s)}</option>`)}
        </select></label>
        <label><input type="checkbox" name="protected" checked=${onlyProtected}
          onChange=${(e) => { setOnlyProtected(e.target.checked); setSelected(new Set()); }} />${t('Protected only')}</label>
        <div class="view-toggle" role="group" aria-label=${t('View')}>
          <button type="button" class=${view === 'tiles' ? 'on' : ''} onClick=${() => switchView('tiles')}>${t('Tiles')}</button>
          <button type="button" class=${view === 'table' ? 'on' : ''} onClick=${() => switchView('table')}>${t('Table')}</button>
        </div>
      </form>
      <div class="toolbar">
        ${mayCommand && html`<select aria-label=${t('Remote operation')} value=${operation} onChange=${(e) => setOperation(e.target.value)}>
            ${Object.keys(COMMANDS).map((kind) => html`<option value=${kind}>${word(COMMANDS, kind)}</option>`)}</select>
          <button class="btn btn-primary" data-role="write" disabled=${selected.size === 0}
            onClick=${() => setBatchOpen(true)}>${t('Send to {n} meters', { n: selected.size })}</button>
          <button class="btn" type="button" onClick=${() => setSelected(new Set([...selected, ...pageIds]))}>${t('Select this page')}</button>
          <button class="btn" type="button" disabled=${selected.size === 0} onClick=${() => setSelected(new Set())}>${t('Clear selection')}</button>`}
        <${ExportButton} path="/meter-status/export" query=${filters} />
      </div>
      ${view === 'table'
        ? html`<${DataTable} columns=${columns} list=${list} rowKey="meter_id"
            selected=${selected} onSelect=${mayCommand ? setSelected : null} sizes=${SIZES} />`
        : html`<div class="meter-tiles">${wall}
            ${!list.loading && list.rows.length === 0 && html`<div class="empty">${t('Nothing to show')}</div>`}</div>
          <${Pager} list=${list} sizes=${SIZES} />`}
    </div>
    ${batchOpen && html`<${BatchDialog} kind=${operation} meterIds=${[...selected]} labels=${labels.current}
      onClose=${() => { setBatchOpen(false); list.reload(); }} />`}
  </div>`;
}
