// History: recharges, refunds and reversals, newest first; each opens its receipt.
import { html } from '/console/js/lib.js';
import { t } from '/console/js/i18n.js';
import { CHANNELS, SALE_KINDS, when, word, yuan } from '/console/js/format.js';
import { accountPath } from '../tenant.js';
import { useApi, Waiting } from '../components/loader.js';

export function History() {
  const state = useApi(accountPath('/history'));
  return html`<section>
    <h1>${t('History')}</h1>
    ${!state.data ? html`<${Waiting} state=${state} />`
      : !state.data.length ? html`<p class="empty">${t('No recharges yet.')}</p>`
        : html`<ul class="list">${state.data.map((row) => html`<li key=${row.id}>
          <a class="list-item" href=${`#/receipt/${row.id}`}>
            <span><strong>${word(SALE_KINDS, row.kind)}</strong> · ${word(CHANNELS, row.channel)}
              <br /><span class="muted small">${when(row.at)}</span></span>
            <span class="amount ${row.kind === 'recharge' ? 'plus' : 'minus'}">${row.kind === 'recharge' ? '+' : '−'}${yuan(row.amount)}</span>
          </a></li>`)}</ul>`}
  </section>`;
}
