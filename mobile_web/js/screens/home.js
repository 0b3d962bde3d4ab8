// Home: the balance, supply, alarm thresholds, about how many days are left, the tariff now.
import { html, useEffect, useState } from '/console/js/lib.js';
import { t } from '/console/js/i18n.js';
import { when, yuan } from '/console/js/format.js';
import { accountPath, chooseAccount, accountId, session } from '../tenant.js';
import { useApi, Waiting } from '../components/loader.js';
import { LevelTag, SupplyTag } from '../components/tags.js';

export const BANDS = { sharp: 'Sharp', peak: 'Peak', flat: 'Flat', valley: 'Valley' };

function AccountSwitch({ onChange }) {
  const accounts = session().accounts;
  if (accounts.length < 2) return null;
  return html`<label class="account-switch">${t('Account')}
    <select value=${accountId()} onChange=${(e) => { chooseAccount(Number(e.target.value)); onChange(); }}>
      ${accounts.map((a) => html`<option key=${a.id} value=${a.id}>${a.number} · ${a.place || a.site_name}</option>`)}
    </select></label>`;
}

export function Home() {
  const [, setTick] = useState(0);
  const state = useApi(accountPath());
  const [explain, setExplain] = useState(false);
  const [looks, setLooks] = useState(0);
  // After a top-up the meter is closed through the command outbox, seconds later: while there
  // is money and a meter is still off, the screen looks again every 3 s, for a minute at most.
  const shown = state.data;
  const closing = shown && shown.level !== 'arrears'
    && shown.meters.some((m) => m.supply === 'off' || m.supply === 'arrears');
  useEffect(() => {
    if (!closing || looks >= 20) return undefined;
    const timer = setTimeout(() => { setLooks(looks + 1); state.reload(); }, 3000);
    return () => clearTimeout(timer);
  }, [closing, looks]);
  if (!state.data) return html`<${AccountSwitch} onChange=${() => setTick((n) => n + 1)} /><${Waiting} state=${state} />`;
  const home = state.data;
  const days = home.days_left === null ? '—' : t('about {days} days', { days: home.days_left });
  return html`<section class="home">
    <${AccountSwitch} onChange=${() => { setTick((n) => n + 1); state.reload(); }} />
    <header class="account-line">
      <strong>${home.account.number}</strong>
      <span class="muted">${home.account.place || home.account.site_name}</span>
    </header>
    <div class=${`card balance-card level-${home.level}`}>
      <div class="balance-label">${t('Balance')} <${LevelTag} level=${home.level} /></div>
      <div class="balance" data-testid="balance">${yuan(home.balance)}</div>
      ${home.local_mode && html`<div class="muted small">${t('On the meter {amount}, read {time}',
        { amount: yuan(home.on_meters), time: when(home.meters_read_at) })}</div>`}
      <button class="days-left" aria-expanded=${explain} onClick=${() => setExplain(!explain)}>
        <span>${t('Days left')}</span><strong data-testid="days-left">${days}</strong><span aria-hidden="true">ⓘ</span>
      </button>
      ${explain && html`<p class="explain small">${home.days_left === null
        ? t('Not enough use in the last 7 days to say how long the balance lasts.')
        : t('The balance divided by the average daily cost of the last 7 days of use ({cost} a day), at the prices in force today.', { cost: yuan(home.daily_cost) })}</p>`}
      <a class="btn btn-primary btn-block" href="#/recharge">${t('Top up')}</a>
    </div>
    <div class="card">
      <h2>${t('Supply')}</h2>
      ${home.meters.map((m) => html`<div class="row" key=${m.id}>
        <span>${t('Meter')} ${m.serial_number}</span>
        <${SupplyTag} supply=${m.supply} isProtected=${home.protected} />
      </div>`)}
      ${home.supply_control && html`<a class="btn btn-block" href="#/supply">${t('Switch my supply')}</a>`}
    </div>
    <div class="card">
      <h2>${t('Tariff')}</h2>
      ${home.tariff ? html`
        <div class="row"><span>${home.tariff.name || t('Tariff in force')}</span>
          <span class="band-now">${t('now')} <span class=${`band band-${home.tariff.band_now}`}>${t(BANDS[home.tariff.band_now])}</span>
            ¥${home.tariff.price_now}/kWh</span></div>
        <div class="prices">${Object.entries(home.tariff.prices).map(([band, price]) => html`
          <span key=${band} class=${`band band-${band}`}>${t(BANDS[band])} ¥${price}</span>`)}</div>`
        : html`<p class="muted">—</p>`}
    </div>
    <div class="card">
      <h2>${t('Alarm thresholds')}</h2>
      <div class="row"><span>${t('Alarm 1')}</span><span>${yuan(home.alarm1_threshold)}</span></div>
      <div class="row"><span>${t('Alarm 2')}</span><span>${yuan(home.alarm2_threshold)}</span></div>
      <p class="muted small">${t('You get an SMS when the balance falls below a threshold.')}</p>
    </div>
  </section>`;
}
