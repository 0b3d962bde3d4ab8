// A receipt to show or print (the navigation is left off the printout).
import { html } from '/console/js/lib.js';
import { t } from '/console/js/i18n.js';
import { CHANNELS, SALE_KINDS, word, yuan } from '/console/js/format.js';
import { accountPath } from '../tenant.js';
import { useApi, Waiting } from '../components/loader.js';

export function Receipt({ id }) {
  const state = useApi(accountPath(`/receipts/${id}`));
  if (!state.data) return html`<${Waiting} state=${state} />`;
  const r = state.data;
  return html`<section class="receipt">
    <div class="card receipt-paper">
      <h1 class="center">${r.site_name}</h1>
      <p class="center">${t('Receipt')} · ${word(SALE_KINDS, r.kind)}</p>
      <dl>
        <dt>${t('Receipt number')}</dt><dd>${r.receipt_number}</dd>
        <dt>${t('Account')}</dt><dd>${r.account_number}</dd>
        <dt>${t('Tenant')}</dt><dd>${r.tenant_name}</dd>
        <dt>${t('Meters')}</dt><dd>${r.meters.join(', ')}</dd>
        <dt>${t('Paid by')}</dt><dd>${word(CHANNELS, r.channel)}</dd>
        <dt>${t('Amount')}</dt><dd class="big">${yuan(r.amount)}</dd>
        <dt>${t('Balance after')}</dt><dd>${yuan(r.balance_after)}</dd>
        <dt>${t('Time')}</dt><dd>${r.local_time}</dd>
        ${r.operator && html`<dt>${t('Operator')}</dt><dd>${r.operator}</dd>`}
      </dl>
    </div>
    <button class="btn btn-primary btn-block no-print" onClick=${() => window.print()}>${t('Print')}</button>
    <a class="btn btn-block no-print" href="#/history">${t('Back to history')}</a>
  </section>`;
}
