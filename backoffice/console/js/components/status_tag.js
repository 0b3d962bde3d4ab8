// The one status legend (UI.md): a colour and always its word, for colour-blind staff and print.
import { html } from '../lib.js';
import { t } from '../i18n.js';

export const METER_STATUSES = {
  opened: 'Opened',
  alarm1: 'Alarm 1',
  alarm2: 'Alarm 2',
  arrears: 'Arrears',
  not_opened: 'Not opened',
  lost_comm: 'Lost communication',
};

// One status per meter, in the dashboard's precedence: silence, not opened, then the money.
export function meterStatus(row) {
  if (row.online === false) return 'lost_comm';
  if (row.meter_status !== 'opened') return 'not_opened';
  return row.alarm_level || 'opened';
}

export function StatusTag({ status, isProtected }) {
  return html`<span class="tag-group">
    <span class="tag tag-${status}">${t(METER_STATUSES[status] || status)}</span>
    ${isProtected && html`<span class="tag tag-protected">${t('Protected')}</span>`}
  </span>`;
}

export function Legend() {
  return html`<div class="legend">
    ${Object.keys(METER_STATUSES).map((status) => html`<${StatusTag} key=${status} status=${status} />`)}
    <span class="tag tag-protected">${t('Protected')}</span>
  </div>`;
}
