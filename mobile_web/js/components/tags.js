// The console's status legend (UI.md) for the tenant: a colour and always its word.
import { html } from '/console/js/lib.js';
import { t } from '/console/js/i18n.js';

export const LEVELS = { normal: 'Normal', alarm1: 'Alarm 1', alarm2: 'Alarm 2', arrears: 'Arrears' };
export const SUPPLY = {
  on: 'Power on', off: 'Switched off', arrears: 'Cut off for arrears', offline: 'Out of contact',
  unknown: 'Not read yet',
};

export function LevelTag({ level }) {
  return html`<span class=${`tag tag-${level}`}>${t(LEVELS[level] || level)}</span>`;
}

export function SupplyTag({ supply, isProtected }) {
  return html`<span class="tag-group">
    <span class=${`tag supply-${supply}`}>${t(SUPPLY[supply] || supply)}</span>
    ${isProtected && html`<span class="tag tag-protected">${t('Protected')}</span>`}
  </span>`;
}
