// A sale's receipt as the API prints it, in the 80 mm thermal or the A4 layout, printed from its
// own frame (so only the receipt reaches the paper); a reprint is counted first and then shows
// as a copy.
import { html, useRef, useState } from '../lib.js';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { can } from '../session.js';
import { Dialog } from '../components/dialog.js';

const LAYOUT = 'wattkeeper.receipt-layout';
export const LAYOUTS = { '80mm': '80 mm thermal', a4: 'A4 sheet' };

export function ReceiptDialog({ sale: first, onClose }) {
  const frame = useRef(null);
  const [sale, setSale] = useState(first);
  const [layout, setLayout] = useState(localStorage.getItem(LAYOUT) in LAYOUTS ? localStorage.getItem(LAYOUT) : '80mm');
  const [error, setError] = useState(null);
  const choose = (next) => { localStorage.setItem(LAYOUT, next); setLayout(next); };
  const reprint = async () => {
    setError(null);
    try {
      const { body } = await api('POST', `/sales/${sale.id}/reprint`);
      setSale(body);  // the frame reloads with the copy mark before it is printed
    } catch (failure) {
      setError(failure.message);
    }
  };
  // The reprint count is in the address so the frame reloads when the API has counted one.
  const source = `/api/v1/sales/${sale.id}/receipt?layout=${layout}&copy=${sale.reprint_count || 0}`;
  return html`<${Dialog} title=${t('Receipt No. {n}', { n: sale.receipt_number })} onClose=${onClose} wide>
    <div class="receipt-bar">
      <div class="view-toggle" role="group" aria-label=${t('Paper')}>
        ${Object.entries(LAYOUTS).map(([code, label]) => html`<button key=${code} type="button" data-layout=${code}
          class=${layout === code ? 'on' : ''} onClick=${() => choose(code)}>${t(label)}</button>`)}
      </div>
      ${sale.reprint_count > 0 && html`<span class="muted" data-role="copies">${t('Reprinted {n} times', { n: sale.reprint_count })}</span>`}
    </div>
    <iframe class=${`receipt-frame receipt-${layout} print-area`} ref=${frame} title=${t('Receipt')} src=${source}></iframe>
    ${error && html`<div class="form-error" role="alert">${error}</div>`}
    <footer class="dialog-foot">
      <button class="btn" onClick=${onClose}>${t('Close')}</button>
      ${can('sales.write') && html`<button class="btn" data-role="reprint" onClick=${reprint}>${t('Reprint')}</button>`}
      <button class="btn btn-primary" data-role="print" onClick=${() => frame.current.contentWindow.print()}>${t('Print')}</button>
    </footer>
  <//>`;
}
