// The operator's shift at the counter: open one to sell, and close it with its cash report (what
// the drawer and the card terminal should show), printed on its own.
import { html, useEffect, useState } from '../lib.js';
import { api, get } from '../api.js';
import { t } from '../i18n.js';
import { session } from '../session.js';
import { Dialog } from '../components/dialog.js';
import { CHANNELS, SALE_KINDS, when, word, yuan } from '../format.js';

export function useOpenShift() {
  const [shift, setShift] = useState(undefined);
  const load = () => get('/shifts', { open: true, operator_id: session().operator.id })
    .then((rows) => setShift(rows[0] || null));
  useEffect(() => { load(); }, []);
  return [shift, load];
}

export function OpenShift({ onOpened }) {
  const [sites, setSites] = useState([]);
  const [siteId, setSiteId] = useState('');
  const [error, setError] = useState(null);
  useEffect(() => { get('/places/tree').then((tree) => { setSites(tree); if (tree.length) setSiteId(String(tree[0].id)); }); }, []);
  const open = () => api('POST', '/shifts', { json: { site_id: Number(siteId) } }).then(onOpened)
    .catch((failure) => setError(failure.message));
  return html`<div class="toolbar">
    <span>${t('Open a shift at this site before selling.')}</span>
    <select aria-label=${t('Site')} value=${siteId} onChange=${(e) => setSiteId(e.target.value)}>
      ${sites.map((site) => html`<option value=${site.id}>${site.name}</option>`)}</select>
    <button class="btn btn-primary" data-role="write" data-action="open-shift" disabled=${!siteId} onClick=${open}>${t('Open shift')}</button>
    ${error && html`<span class="error-text">${error}</span>`}
  </div>`;
}

function CashReport({ report }) {
  const shift = report.shift;
  const who = session().operator;
  return html`<div class="cash-report print-area" data-role="cash-report" data-shift=${shift.id}>
    <h3>${t('Cash report of shift {id}', { id: shift.id })}</h3>
    <p class="muted">${who.display_name || who.username} · ${t('Shift opened {time}', { time: when(shift.opened_at) })}
      · ${shift.closed_at ? t('Shift closed {time}', { time: when(shift.closed_at) }) : t('Still open')}</p>
    <table class="data-table compact">
      <thead><tr><th>${t('Channel')}</th><th>${t('Kind')}</th><th class="num">${t('Count')}</th><th class="num">${t('Amount')}</th></tr></thead>
      <tbody>${report.totals.map((row) => html`<tr key=${`${row.channel}-${row.kind}`}>
        <td>${word(CHANNELS, row.channel)}</td><td>${word(SALE_KINDS, row.kind)}</td>
        <td class="num">${row.count}</td><td class="num">${yuan(row.total)}</td></tr>`)}
        ${report.totals.length === 0 && html`<tr><td colspan="4" class="muted">${t('No sales in this shift')}</td></tr>`}</tbody>
    </table>
    <table class="data-table compact report-net">
      <thead><tr><th>${t('Channel')}</th><th class="num">${t('Net (in minus out)')}</th></tr></thead>
      <tbody>${report.net_by_channel.map((row) => html`<tr key=${row.channel} data-channel=${row.channel}>
        <td>${word(CHANNELS, row.channel)}</td><td class="num">${yuan(row.net)}</td></tr>`)}
        <tr class="report-total"><td>${t('Total')}</td><td class="num" data-role="net-total">${yuan(report.net_total)}</td></tr></tbody>
    </table>
    ${report.pending_refunds > 0 && html`<p class="notice">${t('{n} refunds ({amount}) are still waiting for approval.',
      { n: report.pending_refunds, amount: yuan(report.pending_refunds_total) })}</p>`}
  </div>`;
}

// The current shift's report, then its closing: the closed report stays on screen to be printed.
export function ShiftDialog({ shift, onClose, onClosed }) {
  const [report, setReport] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => { get(`/shifts/${shift.id}/report`).then(setReport).catch((failure) => setError(failure.message)); }, [shift.id]);
  const close = async () => {
    setError(null);
    try {
      setReport((await api('POST', `/shifts/${shift.id}/close`)).body);
      onClosed();
    } catch (failure) {
      setError(failure.message);
    }
  };
  const closed = report && report.shift.closed_at;
  return html`<${Dialog} title=${closed ? t('Shift closed') : t('Close the shift')} onClose=${onClose} wide>
    <div class="dialog-body">
      ${report ? html`<${CashReport} report=${report} />` : html`<div class="loading">${t('Loading…')}</div>`}
      ${!closed && report && html`<p class="confirm-text">${t('Close shift {id}? Selling needs a new shift afterwards.', { id: shift.id })}</p>`}
      ${error && html`<div class="form-error" role="alert">${error}</div>`}
    </div>
    <footer class="dialog-foot">
      <button class="btn" onClick=${onClose}>${closed ? t('Close') : t('Cancel')}</button>
      ${report && html`<button class="btn" data-role="print" onClick=${() => window.print()}>${t('Print')}</button>`}
      ${!closed && html`<button class="btn btn-primary" data-role="confirm" data-action="close-shift" disabled=${!report} onClick=${close}>${t('Close the shift')}</button>`}
    </footer>
  <//>`;
}
