// What happened on an account, one tab each: the statement of a month (对账单, paged, exported),
// the counter sales, the alarms, the commands to its meters and the SMS sent to the tenant.
import { html, useEffect, useState } from '../lib.js';
import { get } from '../api.js';
import { t } from '../i18n.js';
import { can } from '../session.js';
import { DataTable, usePagedList } from '../components/table.js';
import { ExportButton } from '../components/export_button.js';
import {
  ALARM_KINDS, CHANNELS, POSTING_KINDS, SALE_KINDS, SALE_STATUSES, SMS_KINDS, SMS_STATES, alarmDetail, reasonText, when,
  word, yuan,
} from '../format.js';
import { COMMANDS, STATES } from './batch.js';

function thisMonth() {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
}

function Statement({ account }) {
  const [month, setMonth] = useState(thisMonth());
  const [head, setHead] = useState(null);
  const query = { period: 'month', date: month };
  const lines = usePagedList(`/reports/statements/${account.id}/lines`, query, 20);
  useEffect(() => { get(`/reports/statements/${account.id}`, query).then(setHead).catch(() => setHead(null)); }, [month]);
  return html`<div data-tab-body="statement">
    <div class="statement-head">
      <label>${t('Month')} <input type="month" name="month" value=${month} onChange=${(e) => e.target.value && setMonth(e.target.value)} /></label>
      ${head && html`
        <span class="figure"><span class="muted">${t('Opening balance')}</span><b>${yuan(head.opening_balance)}</b></span>
        <span class="figure"><span class="muted">${t('Money in')}</span><b>${yuan(head.money_in)}</b></span>
        <span class="figure"><span class="muted">${t('Money out')}</span><b>${yuan(head.money_out)}</b></span>
        <span class="figure"><span class="muted">${t('Closing balance')}</span><b data-role="closing">${yuan(head.closing_balance)}</b></span>`}
      <span class="toolbar"><${ExportButton} path=${`/reports/statements/${account.id}/export`} query=${query} /></span>
    </div>
    <${DataTable} list=${lines} rowKey="posting_id" columns=${[
      { key: 'booked_at', title: t('Time'), render: (l) => when(l.booked_at) },
      { key: 'kind', title: t('Kind'), render: (l) => word(POSTING_KINDS, l.kind) },
      { key: 'reason', title: t('Reason'), render: (l) => reasonText(l.reason) },
      { key: 'receipt_number', title: t('Receipt No.') },
      { key: 'operator', title: t('Operator') },
      { key: 'amount', title: t('Amount'), align: 'right', render: (l) => yuan(l.amount) },
      { key: 'balance', title: t('Balance after'), align: 'right', render: (l) => yuan(l.balance) }]} />
  </div>`;
}

function Sales({ account }) {
  const list = usePagedList('/sales', { account_id: account.id }, 20);
  return html`<${DataTable} list=${list} columns=${[
    { key: 'created_at', title: t('Time'), render: (s) => when(s.created_at) },
    { key: 'receipt_number', title: t('Receipt No.') },
    { key: 'kind', title: t('Kind'), render: (s) => word(SALE_KINDS, s.kind) },
    { key: 'channel', title: t('Channel'), render: (s) => word(CHANNELS, s.channel) },
    { key: 'amount', title: t('Amount'), align: 'right', render: (s) => yuan(s.amount) },
    { key: 'status', title: t('Status'), render: (s) => html`<span class=${`sale sale-${s.status}`}>${word(SALE_STATUSES, s.status)}</span>` },
    { key: 'balance_after', title: t('Balance after'), align: 'right', render: (s) => yuan(s.balance_after) }]} />`;
}

function Alarms({ account }) {
  const list = usePagedList('/alarms', { account_id: account.id }, 20);
  return html`<${DataTable} list=${list} columns=${[
    { key: 'raised_at', title: t('Raised'), render: (a) => when(a.raised_at) },
    { key: 'kind', title: t('Kind'), render: (a) => html`<span class=${`tag tag-alarm-${a.kind}`}>${word(ALARM_KINDS, a.kind)}</span>` },
    { key: 'detail', title: t('Detail'), render: (a) => alarmDetail(a.detail) },
    { key: 'cleared_at', title: t('Cleared'), render: (a) => when(a.cleared_at) }]} />`;
}

function Commands({ account, serials }) {
  const list = usePagedList('/commands', { account_id: account.id }, 20);
  return html`<${DataTable} list=${list} columns=${[
    { key: 'created_at', title: t('Time'), render: (c) => when(c.created_at) },
    { key: 'meter_id', title: t('Meter'), render: (c) => serials[c.meter_id] || c.meter_id },
    { key: 'kind', title: t('Command'), render: (c) => word(COMMANDS, c.kind) },
    { key: 'origin', title: t('Origin'), render: (c) => t(c.origin === 'automatic' ? 'Automatic' : 'Operator') },
    { key: 'state', title: t('State'), render: (c) => html`<span class=${`cmd cmd-${c.state}`}>${word(STATES, c.state)}</span>` },
    { key: 'finished_at', title: t('Finished'), render: (c) => when(c.finished_at) }]} />`;
}

function Sms({ account }) {
  const list = usePagedList('/sms', { account_id: account.id }, 20);
  return html`<${DataTable} list=${list} columns=${[
    { key: 'created_at', title: t('Time'), render: (m) => when(m.created_at) },
    { key: 'kind', title: t('Kind'), render: (m) => word(SMS_KINDS, m.kind) },
    { key: 'phone', title: t('Phone') },
    { key: 'state', title: t('State'), render: (m) => word(SMS_STATES, m.state) },
    { key: 'body', title: t('Text'), render: (m) => html`<span class="sms-body" title=${m.body}>${m.body}</span>` }]} />`;
}

const TABS = [
  { key: 'statement', title: 'Statement', permission: 'reports.read', body: Statement },
  { key: 'sales', title: 'Sales', permission: 'sales.read', body: Sales },
  { key: 'alarms', title: 'Alarms', permission: 'alarms.read', body: Alarms },
  { key: 'commands', title: 'Commands', permission: 'commands.read', body: Commands },
  { key: 'sms', title: 'SMS', permission: 'sms.read', body: Sms },
];

export function AccountHistory({ account, serials }) {
  const tabs = TABS.filter((tab) => can(tab.permission));
  const [open, setOpen] = useState(tabs.length ? tabs[0].key : null);
  const tab = tabs.find((one) => one.key === open);
  if (!tab) return null;
  const Body = tab.body;
  return html`<section class="panel">
    <div class="tabs" role="tablist">${tabs.map((one) => html`<button key=${one.key} role="tab" data-tab=${one.key}
      aria-selected=${one.key === open} class=${one.key === open ? 'on' : ''} onClick=${() => setOpen(one.key)}>${t(one.title)}</button>`)}</div>
    <${Body} key=${tab.key} account=${account} serials=${serials} />
  </section>`;
}
