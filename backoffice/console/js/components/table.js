// The data table: server pages from the X-Pagination header, sorting, a selection column and
// a sticky header. A list screen gives columns and a loader; the table does the rest.
import { html, useEffect, useState } from '../lib.js';
import { api } from '../api.js';
import { t } from '../i18n.js';

const PAGE_SIZES = [20, 50, 100];

// Sorting is within the page shown: the API's lists come in their own order (newest or by id).
function sorted(rows, sort, columns) {
  if (!sort) return rows;
  const column = columns.find((c) => c.key === sort.key);
  const value = column.sortValue || ((row) => row[column.key]);
  const direction = sort.descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = value(a), y = value(b);
    if (x === y) return 0;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), 'zh-CN', { numeric: true })) * direction;
  });
}

// usePagedList('/meter-status', filters): rows and pagination of the current page.
export function usePagedList(path, filters, initialSize = 20) {
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(initialSize);
  const [state, setState] = useState({ rows: [], pagination: null, loading: true, error: null });
  const filterKey = JSON.stringify(filters);
  useEffect(() => setPage(1), [filterKey]);
  const [reloads, setReloads] = useState(0);
  useEffect(() => {
    if (!path) {  // nothing chosen yet (e.g. no account for a statement): no call, no rows
      setState({ rows: [], pagination: null, loading: false, error: null });
      return undefined;
    }
    let live = true;
    setState((before) => ({ ...before, loading: true }));
    api('GET', path, { query: { ...filters, page, page_size: pageSize } })
      .then(({ body, pagination }) => live && setState({ rows: body, pagination, loading: false, error: null }))
      .catch((error) => live && setState({ rows: [], pagination: null, loading: false, error }));
    return () => { live = false; };
  }, [path, filterKey, page, pageSize, reloads]);
  return { ...state, page, setPage, pageSize, setPageSize, reload: () => setReloads((n) => n + 1) };
}

export function Pager({ list, sizes = PAGE_SIZES }) {
  const info = list.pagination;
  if (!info) return null;
  const last = Math.max(info.total_pages || 1, 1);
  return html`<div class="pager">
    <span>${t('{total} in all', { total: info.total })}</span>
    <select value=${list.pageSize} aria-label=${t('Rows per page')}
      onChange=${(e) => { list.setPageSize(Number(e.target.value)); list.setPage(1); }}>
      ${sizes.map((size) => html`<option value=${size}>${t('{n} per page', { n: size })}</option>`)}
    </select>
    <button class="btn btn-small" disabled=${list.page <= 1} onClick=${() => list.setPage(list.page - 1)}>‹</button>
    <span class="pager-page">${list.page} / ${last}</span>
    <button class="btn btn-small" disabled=${list.page >= last} onClick=${() => list.setPage(list.page + 1)}>›</button>
  </div>`;
}

// rowKey: the column that identifies a row, or a function of the row (report rows have no id);
// rowClass(row): a class that marks a row (e.g. the log's broken row), or nothing.
export function DataTable({ columns, list, rowKey = 'id', selected, onSelect, empty, sizes, rowClass }) {
  const [sort, setSort] = useState(null);
  const rows = sorted(list.rows, sort, columns);
  const keyOf = typeof rowKey === 'function' ? rowKey : (row) => row[rowKey];
  const keys = rows.map(keyOf);
  const allChosen = onSelect && keys.length > 0 && keys.every((key) => selected.has(key));
  const toggleAll = () => {
    const next = new Set(selected);
    for (const key of keys) allChosen ? next.delete(key) : next.add(key);
    onSelect(next);
  };
  const toggle = (key) => {
    const next = new Set(selected);
    next.has(key) ? next.delete(key) : next.add(key);
    onSelect(next);
  };
  const clickHeader = (column) => {
    if (!column.sortable) return;
    setSort(sort && sort.key === column.key ? (sort.descending ? null : { key: column.key, descending: true })
      : { key: column.key, descending: false });
  };
  return html`<div class="table-wrap">
    <div class="table-scroll">
      <table class="data-table">
        <thead><tr>
          ${onSelect && html`<th class="col-select"><input type="checkbox" aria-label=${t('Select all')}
            checked=${allChosen} onChange=${toggleAll} /></th>`}
          ${columns.map((column) => html`<th class=${column.sortable ? 'sortable' : ''}
              style=${column.width ? { width: column.width } : null}
              aria-sort=${sort && sort.key === column.key ? (sort.descending ? 'descending' : 'ascending') : null}
              onClick=${() => clickHeader(column)}>${column.title}${column.sortable && html`<span class="sort-mark">
                ${sort && sort.key === column.key ? (sort.descending ? '▼' : '▲') : '↕'}</span>`}</th>`)}
        </tr></thead>
        <tbody>
          ${rows.map((row) => html`<tr key=${keyOf(row)} class=${[onSelect && selected.has(keyOf(row)) ? 'chosen' : '',
            rowClass ? rowClass(row) || '' : ''].join(' ').trim()}>
            ${onSelect && html`<td class="col-select"><input type="checkbox" aria-label=${t('Select')}
              checked=${selected.has(keyOf(row))} onChange=${() => toggle(keyOf(row))} /></td>`}
            ${columns.map((column) => html`<td class=${column.align === 'right' ? 'num' : ''}>
              ${column.render ? column.render(row) : (row[column.key] ?? '—')}</td>`)}
          </tr>`)}
        </tbody>
      </table>
      ${!list.loading && rows.length === 0 && html`<div class="empty">${list.error ? list.error.message : (empty || t('Nothing to show'))}</div>`}
      ${list.loading && html`<div class="loading">${t('Loading…')}</div>`}
    </div>
    <${Pager} list=${list} sizes=${sizes} />
  </div>`;
}
