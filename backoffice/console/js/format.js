// How values read on screen. Money stays the API's decimal string: it is shown, never summed.
import { language, t } from './i18n.js';

export const CHANNELS = {
  cash: 'Cash', bank_card: 'Bank card', transfer: 'Transfer',
  alipay: 'Alipay', wechat: 'WeChat Pay', unionpay: 'UnionPay',
};

export const ALARM_KINDS = {
  alarm1: 'Alarm 1', alarm2: 'Alarm 2', arrears: 'Arrears', overload: 'Overload',
  lost_comm: 'Lost communication', gateway_lost: 'Gateway out of contact', relay_drift: 'Relay drift',
};

export function yuan(amount) {
  return amount === null || amount === undefined ? '—' : `¥${amount}`;
}

export function kwh(energy) {
  return energy === null || energy === undefined ? '—' : `${energy} kWh`;
}

export function when(instant) {
  if (!instant) return '—';
  return new Date(instant).toLocaleString(language() === 'en' ? 'en-GB' : 'zh-CN', {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
  });
}

export function word(words, value) {
  return value in words ? t(words[value]) : value;
}

export const ACCOUNT_STATUSES = { open: 'Open', closed: 'Closed' };
export const ARREARS_RULES = { trip: 'Trip', overdraft: 'Overdraft', protect: 'Protect' };
export const SALE_KINDS = { recharge: 'Recharge', refund: 'Refund', reversal: 'Reversal' };
export const SALE_STATUSES = { completed: 'Completed', pending: 'Waiting for approval', rejected: 'Rejected', reversed: 'Reversed' };
export const METER_LIFECYCLE = { opened: 'Opened', not_opened: 'Not opened', closed: 'Closed', replaced: 'Replaced', scrapped: 'Scrapped' };
export const POSTING_KINDS = {
  opening: 'Opening balance', sale: 'Recharge', refund: 'Refund', reversal: 'Reversal', consumption: 'Consumption',
  transfer: 'Transfer', closing: 'Closing', adjustment: 'Adjustment',
};
export const SMS_KINDS = { alarm1: 'Alarm 1', alarm2: 'Alarm 2', arrears: 'Arrears', recharge: 'Recharge', sign_in_code: 'Sign-in code' };
export const SMS_STATES = { queued: 'Queued', sending: 'Sending', sent: 'Sent', failed: 'Failed', suppressed: 'Suppressed' };

// Reasons the system itself writes on sales and postings (English in the ledger): shown in the
// user's language; a reason an operator typed is shown as typed.
const SYSTEM_REASONS = {
  'opening balance': 'Opening balance', 'account closed': 'Account closed', 'counter sale': 'Counter sale',
  'final settlement': 'Final settlement', refund: 'Refund', 'refund approved': 'Refund approved',
  'refund awaiting approval': 'Refund awaiting approval', 'refund rejected': 'Refund rejected', reversal: 'Reversal',
};

// Reasons the system writes with values in them: [shape, msgid, the msgid's values].
const SYSTEM_REASON_SHAPES = [
  [/^meter (\S+): (-?[\d.]+) kWh$/, 'Meter {serial}: {energy} kWh used', (m) => ({ serial: m[1], energy: m[2] })],
  [/^meter (\S+): (-?[\d.]+) kWh \(estimated after a gap\)$/, 'Meter {serial}: {energy} kWh used (estimated after a gap)',
    (m) => ({ serial: m[1], energy: m[2] })],
  [/^balance carried over from meter (\S+)$/, 'Balance carried over from meter {serial}', (m) => ({ serial: m[1] })],
];

export function reasonText(reason) {
  if (!reason) return '—';
  if (reason in SYSTEM_REASONS) return t(SYSTEM_REASONS[reason]);
  for (const [pattern, words, values] of SYSTEM_REASON_SHAPES) {
    const found = pattern.exec(reason);
    if (found) return t(words, values(found));
  }
  return reason;
}

// What the worker writes into an alarm's detail (English, in the log's terms), in the user's
// words: [its shape, the msgid, the msgid's values from the match]. A detail of another shape
// (a gateway's own error text) is shown as written.
const ALARM_DETAILS = [
  [/^balance (-?[\d.]+), rule (\w+)$/, 'Balance {amount}, arrears rule: {rule}',
    (m) => ({ amount: yuan(m[1]), rule: word(ARREARS_RULES, m[2]) })],
  [/^balance (-?[\d.]+)$/, 'Balance {amount}', (m) => ({ amount: yuan(m[1]) })],
  [/^overload trip, status (0x[0-9a-f]+)$/i, 'Overload trip (status {bits})', (m) => ({ bits: m[1] })],
  [/^(\d+) polls failed in a row: (.*)$/, '{n} polls failed in a row: {error}', (m) => ({ n: m[1], error: m[2] })],
  [/^none of (\d+) meters answered$/, 'None of its {n} meters answered', (m) => ({ n: m[1] })],
];

export function alarmDetail(detail) {
  if (!detail) return '—';
  for (const [pattern, words, values] of ALARM_DETAILS) {
    const found = pattern.exec(detail);
    if (found) return t(words, values(found));
  }
  return detail;
}
