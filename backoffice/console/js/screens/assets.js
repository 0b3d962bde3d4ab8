// Metering assets (电能计量): the stock by state, model and site, the rotation plan, scrap requests
// waiting for a second person, and arrival batches. Each a tab with its own route.
import { html, useEffect, useState } from '../lib.js';
import { api, get, idempotencyKey } from '../api.js';
import { t } from '../i18n.js';
import { can } from '../session.js';
import { Tabs, currentTab } from '../components/tabs.js';
import { DataTable, usePagedList } from '../components/table.js';
import { ExportButton } from '../components/export_button.js';
import { when, word } from '../format.js';

export const ASSET_STATES = {
  arrived: 'Arrived', in_stock: 'In stock', dispatched: 'Dispatched', installed: 'Installed',
  removed: 'Removed', in_repair: 'In repair', scrapped: 'Scrapped', returned: 'Returned',
};
const BATCH_STATES = { received: 'Received', accepted: 'Accepted', rejected: 'Rejected' };
const SCRAP_STATES = { pending: 'Waiting for approval', approved: 'Approved', rejected: 'Rejected' };
const DUE_REASONS = { replacement: 'Replacement', verification: 'Verification due' };
const HORIZONS = [30, 90, 180, 365];

// Rows of a list the API answers whole (no pages), reloaded when the query changes.
function useRows(path, query) {
  const [state, setState] = useState({ rows: [], loading: true, error: null });
  const [reloads, setReloads] = useState(0);
  const key = JSON.stringify(query);
  useEffect(() => {
    let live = true;
    setState((before) => ({ ...before, loading: true }));
    get(path, query).then((rows) => live && setState({ rows, loading: false, error: null }))
      .catch((error) => live && setState({ rows: [], loading: false, error }));
    return () => { live = false; };
  }, [path, key, reloads]);
  return { ...state, reload: () => setReloads((n) => n + 1) };
}

function useSiteNames() {
  const [names, setNames] = useState({});
  useEffect(() => {
    get('/sites', { page_size: 100 }).then((sites) => setNames(Object.fromEntries(sites.map((s) => [s.id, s.name]))));
  }, []);
  return (id) => (id ? names[id] || `#${id}` : t('Central store'));
}

const stateTag = (state) => html`<span class=${`tag tag-asset-${state}`}>${word(ASSET_STATES, state)}</span>`;

function StockTab() {
  const list = useRows('/asset-plan/stock', {});
  const site = useSiteNames();
  const columns = [
    { key: 'state', title: t('State'), sortable: true, render: (r) => stateTag(r.state) },
    { key: 'model', title: t('Model'), sortable: true },
    { key: 'site_id', title: t('Site'), render: (r) => site(r.site_id) },
    { key: 'count', title: t('Quantity'), sortable: true },
  ];
  return html`<div class="list-screen">
    <div class="toolbar"><${ExportButton} path="/asset-plan/stock/export" query=${{}} /></div>
    <${DataTable} columns=${columns} list=${list} rowKey=${(r) => `${r.state}/${r.model}/${r.site_id}`} />
  </div>`;
}

function RotationTab() {
  const [horizon, setHorizon] = useState(90);
  const query = { horizon_days: horizon };
  const list = useRows('/asset-plan/rotation', query);
  const site = useSiteNames();
  const columns = [
    { key: 'due_on', title: t('Due on'), sortable: true },
    { key: 'serial_number', title: t('Serial number'), sortable: true },
    { key: 'model', title: t('Model'), sortable: true },
    { key: 'site_id', title: t('Site'), render: (r) => site(r.site_id) },
    { key: 'since', title: t('Since') },
    { key: 'reason', title: t('Reason'), render: (r) => html`${word(DUE_REASONS, r.reason)}
      ${r.overdue && html` <span class="tag tag-overdue">${t('Overdue')}</span>`}` },
  ];
  return html`<div class="list-screen">
    <form class="search-form" onSubmit=${(e) => e.preventDefault()}>
      <label>${t('Due within')} <select name="horizon" value=${horizon} onChange=${(e) => setHorizon(Number(e.target.value))}>
        ${HORIZONS.map((days) => html`<option value=${days}>${t('{n} days', { n: days })}</option>`)}</select></label>
    </form>
    <div class="toolbar"><${ExportButton} path="/asset-plan/rotation/export" query=${query} /></div>
    <${DataTable} columns=${columns} list=${list} rowKey="meter_id" empty=${t('No meter falls due within this horizon.')} />
  </div>`;
}

function ScrapTab() {
  const [state, setState] = useState('pending');
  const list = usePagedList('/asset-plan/scrap-requests', { state });
  const [error, setError] = useState(null);
  const decide = async (row, decision) => {
    setError(null);
    try {
      await api('POST', `/asset-plan/scrap-requests/${row.id}/${decision}`, { headers: { 'Idempotency-Key': idempotencyKey() } });
      list.reload();
    } catch (failure) {
      setError(failure.message);
    }
  };
  const columns = [
    { key: 'created_at', title: t('Requested'), sortable: true, render: (r) => when(r.created_at) },
    { key: 'serial_number', title: t('Serial number'), sortable: true },
    { key: 'reason', title: t('Reason') },
    { key: 'state', title: t('State'), render: (r) => word(SCRAP_STATES, r.state) },
    { key: 'decided_at', title: t('Decided'), render: (r) => when(r.decided_at) },
  ];
  if (can('assets.approve')) {
    columns.push({ key: 'actions', title: t('Actions'), render: (r) => r.state === 'pending' && html`
      <button class="btn btn-small btn-link" data-role="write" data-action="approve" onClick=${() => decide(r, 'approve')}>${t('Approve')}</button>
      <button class="btn btn-small btn-link" data-role="write" data-action="reject" onClick=${() => decide(r, 'reject')}>${t('Reject')}</button>` });
  }
  return html`<div class="list-screen">
    <form class="search-form" onSubmit=${(e) => e.preventDefault()}>
      <label>${t('State')} <select name="state" value=${state} onChange=${(e) => setState(e.target.value)}>
        <option value="">${t('All')}</option>
        ${Object.keys(SCRAP_STATES).map((s) => html`<option value=${s}>${word(SCRAP_STATES, s)}</option>`)}</select></label>
    </form>
    ${error && html`<div class="notice notice-error" role="alert">${error}</div>`}
    <${DataTable} columns=${columns} list=${list} />
  </div>`;
}

function BatchesTab() {
  const list = usePagedList('/asset-batches', {});
  const columns = [
    { key: 'number', title: t('Batch number'), sortable: true },
    { key: 'supplier', title: t('Supplier'), sortable: true },
    { key: 'model', title: t('Model'), sortable: true },
    { key: 'quantity', title: t('Quantity'), sortable: true },
    { key: 'arrived_on', title: t('Arrived on'), sortable: true },
    { key: 'state', title: t('State'), render: (r) => word(BATCH_STATES, r.state) },
  ];
  return html`<div class="list-screen"><${DataTable} columns=${columns} list=${list} /></div>`;
}

export const ASSET_TABS = [
  { path: '/assets/stock', title: 'Stock', permission: 'assets.read', screen: StockTab },
  { path: '/assets/rotation', title: 'Rotation plan', permission: 'assets.read', screen: RotationTab },
  { path: '/assets/scrap', title: 'Scrap requests', permission: 'assets.read', screen: ScrapTab },
  { path: '/assets/batches', title: 'Arrival batches', permission: 'assets.read', screen: BatchesTab },
];

export function AssetsScreen({ path, query }) {
  const tab = currentTab(ASSET_TABS, path);
  const Screen = tab.screen;
  return html`<div class="tabbed">
    <${Tabs} tabs=${ASSET_TABS} current=${tab} />
    <${Screen} key=${tab.path} query=${query} path=${path} />
  </div>`;
}
